package orchestrator

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrBusy: another wurepair run holds the lock.
var ErrBusy = errors.New("another wurepair run is in progress")

// LockName is the lock file in the state directory.
const LockName = "wurepair.lock"

// AcquireLock takes the machine-wide run lock, without waiting. It is a
// lock on a file, held by the process: a run that crashes or is killed
// releases it, so there is never a stale lock to clean up. The file holds
// the holder's pid, for the message another run prints.
func AcquireLock(stateDir string) (release func() error, err error) {
	if err := os.MkdirAll(stateDir, 0o750); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	path := filepath.Join(stateDir, LockName)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return nil, fmt.Errorf("lock file: %w", err)
	}
	if err := lockFile(f); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, errLocked) {
			return nil, fmt.Errorf("%w (lock %s held by pid %s)", ErrBusy, path, holder)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	_ = f.Truncate(0)
	_, _ = fmt.Fprintf(f, "%d", os.Getpid())
	return func() error {
		_ = f.Truncate(0)
		return f.Close() // closing releases the lock
	}, nil
}

var errLocked = errors.New("locked")
