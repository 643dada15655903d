//go:build !windows

package ps

// hostDir: off Windows (tests only) the host keeps the working directory.
func hostDir() (string, error) { return "", nil }
