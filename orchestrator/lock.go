package orchestrator

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// ErrBusy: another wurepair run holds the lock.
var ErrBusy = errors.New("another wurepair run is in progress")

// LockName is the lock file in the state directory.
const LockName = "wurepair.lock"

// AcquireLock takes the machine-wide run lock, without waiting. It is a
// lock on a file, held by the process: a run that crashes or is killed
// releases it, so there is never a stale lock to clean up. The file holds
// the holder's pid, for the message another run prints.
// The lock file is opened without following a link and checked to be a
// regular file with one name inside the state directory: a lock that is a
// link never makes wurepair truncate its target.
func AcquireLock(sd *StateDir) (release func() error, err error) {
	path := filepath.Join(sd.Path, LockName)
	f, err := sd.OpenFile(os.O_CREATE|os.O_RDWR, 0o600, LockName)
	if err != nil {
		return nil, fmt.Errorf("lock file: %w", err)
	}
	if err := lockFile(f); err != nil {
		holder := make([]byte, 20)
		n, _ := f.ReadAt(holder, 0)
		holder = holder[:n]
		f.Close()
		if errors.Is(err, errLocked) {
			return nil, fmt.Errorf("%w (lock %s held by pid %s)", ErrBusy, path, holder)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())), 0)
	return func() error {
		_ = f.Truncate(0)
		return f.Close() // closing releases the lock
	}, nil
}

var errLocked = errors.New("locked")

// LockHeld reports whether a run holds the lock right now (read-only
// commands: a run without a run-end is then in progress, not unfinished).
// It never creates or writes the lock file. Do not call it while holding
// the lock yourself.
func LockHeld(sd *StateDir) bool {
	if sd == nil {
		return false
	}
	f, err := sd.OpenFile(os.O_RDONLY, 0, LockName)
	if err != nil {
		return false
	}
	defer f.Close() // releases the lock if we got it
	return errors.Is(lockFile(f), errLocked)
}

// OutcomeRunning: the newest run has no run-end and a run holds the lock.
const OutcomeRunning = "running"

// MarkRunning marks the newest incomplete run as running when held says a
// run holds the lock.
func MarkRunning(runs []RunSummary, held bool) {
	if !held {
		return
	}
	for i := len(runs) - 1; i >= 0; i-- {
		if runs[i].Verified && runs[i].Incomplete() {
			runs[i].Outcome = OutcomeRunning
			return
		}
	}
}
