//go:build !windows

package orchestrator

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
)

// On Linux and other Unix systems (the simulated machine) the state
// directory and everything in it must be owned by root, or by the user
// running wurepair when that is not root (tests, a developer's machine),
// and be writable by no group and no other user. Files are created 0600,
// folders 0700.

func mkdirPrivate(path string) error { return os.Mkdir(path, 0o700) }

func openNoFollow(path string, flag int, perm os.FileMode) (*os.File, error) {
	return os.OpenFile(path, flag|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, perm&0o600)
}

func isLinkRefusal(err error) bool { return errors.Is(err, syscall.ELOOP) }

func isReparse(fs.FileInfo) bool { return false }

func linkCount(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 1
}

func checkOwnerAndACL(path string, fi fs.FileInfo, secret bool) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return untrusted(path, "its owner cannot be read")
	}
	euid := uint32(os.Geteuid())
	if st.Uid != 0 && st.Uid != euid {
		return untrusted(path, "it is owned by uid %d, not root (or the user running wurepair, uid %d)", st.Uid, euid)
	}
	if secret && fi.Mode().Perm()&0o077 != 0 {
		return untrusted(path, "other users may read it (mode %04o): it must be 0600", fi.Mode().Perm())
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return untrusted(path, "its group or other users can write it (mode %04o)", fi.Mode().Perm())
	}
	return nil
}

func finalPath(path string) (string, error) { return filepath.EvalSymlinks(path) }

// fileFinalPath is where an open file really is (Linux: /proc/self/fd).
func fileFinalPath(f *os.File) (string, error) {
	if runtime.GOOS != "linux" {
		return "", nil
	}
	p, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(int(f.Fd())))
	if err != nil {
		return "", nil // no /proc: the Lstat checks stand
	}
	return p, nil
}
