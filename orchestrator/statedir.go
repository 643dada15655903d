package orchestrator

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// ErrUntrusted: the state directory, or something in it, fails the trust
// checks (owner, permissions, a link where a file or folder belongs).
// Nothing in it is read or acted on; nothing was changed.
var ErrUntrusted = errors.New("not trustworthy")

// UntrustedError names what failed the trust checks, and why.
type UntrustedError struct {
	Path   string
	Reason string
}

func (e *UntrustedError) Error() string {
	return fmt.Sprintf("%s is %v: %s", e.Path, ErrUntrusted, e.Reason)
}

func (e *UntrustedError) Is(target error) bool { return target == ErrUntrusted }

func untrusted(path, format string, args ...any) error {
	return &UntrustedError{Path: path, Reason: fmt.Sprintf(format, args...)}
}

// ErrNoStateDir: the state directory does not exist (no run ever took
// place on this machine).
var ErrNoStateDir = errors.New("state directory does not exist")

// StateDir is a state directory that passed the trust checks: owned by
// SYSTEM/Administrators (root, or the user running wurepair when that is
// not root), writable by no one else, not a link. Everything below it is
// reached through its methods, which refuse links and check that what they
// open lies inside it.
type StateDir struct {
	Path string
	real string // the final path of Path, to check opened files against
}

// OpenStateDir checks the state directory; with create it makes it (with
// the protected permissions) when it does not exist yet.
func OpenStateDir(path string, create bool) (*StateDir, error) {
	if path == "" || !filepath.IsAbs(path) {
		return nil, fmt.Errorf("state directory %q: must be an absolute path", path)
	}
	path = filepath.Clean(path)
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && create:
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("state directory: %w", err)
		}
		if err := mkdirPrivate(path); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("state directory: %w", err)
		}
		if fi, err = os.Lstat(path); err != nil {
			return nil, fmt.Errorf("state directory: %w", err)
		}
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%s: %w", path, ErrNoStateDir)
	case err != nil:
		return nil, fmt.Errorf("state directory: %w", err)
	}
	if err := checkDir(path, fi); err != nil {
		return nil, err
	}
	real, err := finalPath(path)
	if err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	return &StateDir{Path: path, real: real}, nil
}

// checkDir: a real directory (no link, no junction) only wurepair's owners
// can write.
func checkDir(path string, fi fs.FileInfo) error {
	if fi.Mode().Type() != fs.ModeDir || isReparse(fi) {
		return untrusted(path, "it is a link, junction or not a folder (%s); wurepair never follows one", fi.Mode().Type())
	}
	return checkOwnerAndACL(path, fi, false)
}

// checkFile: a regular file with one name only wurepair's owners can write.
func checkFile(path string, fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() || isReparse(fi) {
		return untrusted(path, "it is a link, junction or not a regular file (%s); wurepair never follows one", fi.Mode().Type())
	}
	if n := linkCount(fi); n > 1 {
		return untrusted(path, "it has %d hard links: it may be another file's other name", n)
	}
	return checkOwnerAndACL(path, fi, false)
}

// sub returns the path of elems below the state directory, checking every
// folder on the way (must exist, must not be a link). elems are single
// names made by wurepair (run ids are checked by the caller).
func (sd *StateDir) sub(elems ...string) (string, error) {
	p := sd.Path
	for i, e := range elems {
		if !validName(e) {
			return "", fmt.Errorf("invalid name %q below the state directory", e)
		}
		p = filepath.Join(p, e)
		if i == len(elems)-1 {
			break
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return "", err
		}
		if err := checkDir(p, fi); err != nil {
			return "", err
		}
	}
	return p, nil
}

// MkdirAll creates (or checks) the folders elems below the state
// directory, each one a real folder only wurepair's owners can write.
func (sd *StateDir) MkdirAll(elems ...string) (string, error) {
	p := sd.Path
	for _, e := range elems {
		if !validName(e) {
			return "", fmt.Errorf("invalid name %q below the state directory", e)
		}
		p = filepath.Join(p, e)
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			if err := mkdirPrivate(p); err != nil && !errors.Is(err, fs.ErrExist) {
				return "", err
			}
			fi, err = os.Lstat(p)
		}
		if err != nil {
			return "", err
		}
		if err := checkDir(p, fi); err != nil {
			return "", err
		}
	}
	return p, nil
}

func validName(e string) bool {
	return e != "" && e != "." && e != ".." && !strings.ContainsAny(e, `/\:`)
}

// OpenFile opens a file below the state directory, refusing a link (at
// the file or on the way) and anything that is not a regular file with one
// name inside the state directory.
func (sd *StateDir) OpenFile(flag int, perm os.FileMode, elems ...string) (*os.File, error) {
	p, err := sd.sub(elems...)
	if err != nil {
		return nil, err
	}
	f, err := openNoFollow(p, flag, perm)
	if err != nil {
		if isLinkRefusal(err) {
			return nil, untrusted(p, "it is a link; wurepair never follows one")
		}
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil {
		err = checkFile(p, fi)
	}
	if err == nil {
		err = sd.checkInside(f, p)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// Remove removes a file below the state directory. A link there is
// removed itself, never its target; the folders on the way are checked as
// OpenFile checks them.
func (sd *StateDir) Remove(elems ...string) error {
	p, err := sd.sub(elems...)
	if err != nil {
		return err
	}
	fi, err := os.Lstat(p)
	if err != nil {
		return err
	}
	if fi.IsDir() && !isReparse(fi) {
		return fmt.Errorf("%s is a folder: refused", p)
	}
	return os.Remove(p)
}

// Rename renames a file below the state directory to another name below
// it, replacing what was there (a link there is replaced, never followed).
// The source must pass OpenFile's checks (a regular file with one name,
// inside the state directory); the folders on both ways are checked.
func (sd *StateDir) Rename(from, to []string) error {
	src, err := sd.sub(from...)
	if err != nil {
		return err
	}
	dst, err := sd.sub(to...)
	if err != nil {
		return err
	}
	fi, err := os.Lstat(src)
	if err != nil {
		return err
	}
	if err := checkFile(src, fi); err != nil {
		return err
	}
	if fi, err := os.Lstat(dst); err == nil && fi.IsDir() && !isReparse(fi) {
		return fmt.Errorf("%s is a folder: refused", dst)
	}
	return os.Rename(src, dst)
}

// checkInside refuses an opened file whose final path is not below the
// state directory (a link or junction anywhere on the way).
func (sd *StateDir) checkInside(f *os.File, p string) error {
	got, err := fileFinalPath(f)
	if err != nil || got == "" {
		return err // "" : the platform cannot tell; the Lstat checks stand
	}
	if !pathInside(got, sd.real) {
		return untrusted(p, "it resolves to %s, outside the state directory %s", got, sd.real)
	}
	return nil
}

func pathInside(p, root string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// runIDRe is the only shape of a run id: the UTC time it started and six
// random hex digits (NewRunID).
var runIDRe = regexp.MustCompile(`^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}$`)

// ValidRunID reports whether id has the shape NewRunID makes.
func ValidRunID(id string) bool { return runIDRe.MatchString(id) }
