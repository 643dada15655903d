//go:build !windows

package ps

import "os"

// noInherit: os.Pipe already opens both ends close-on-exec off Windows
// (pipe2 O_CLOEXEC on Linux, CloseOnExec under ForkLock elsewhere), and
// calling Fd here would switch the files to blocking mode, which stops
// Close from unblocking a read.
func noInherit(...*os.File) error { return nil }
