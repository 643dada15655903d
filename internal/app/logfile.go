package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/wurepair/wurepair/orchestrator"
)

// Log file defaults: the log lives under the state directory's logs\ and
// is rotated by size, so an hourly Intune detection never fills a disk:
// at most (1+logKeep) × logMaxBytes (30 MiB) in all.
const (
	logDirName  = "logs"
	logFileName = "wurepair.log"
	logMaxBytes = 5 << 20
	logKeep     = 5
	// logFileOff as --log-file writes no log file.
	logFileOff = "none"
)

// defaultLogPath is the log file under stateDir.
func defaultLogPath(stateDir string) string {
	return filepath.Join(stateDir, logDirName, logFileName)
}

// defaultLogFile makes the default log's folder through the trusted state
// directory: a state directory the log created with plain MkdirAll would
// inherit %ProgramData%'s permissions (Users may create files there), and
// every later run would then refuse it as untrusted. An untrusted one is
// an error here too (the command then runs without a log file, and
// refuses the state directory itself when it needs it).
func (d *deps) defaultLogFile(c *cli.Context) (string, error) {
	stateDir, err := d.stateDir(c)
	if err != nil {
		return "", err
	}
	sd, err := orchestrator.OpenStateDir(stateDir, true)
	if err != nil {
		return "", err
	}
	if _, err := sd.MkdirAll(logDirName); err != nil {
		return "", err
	}
	return defaultLogPath(sd.Path), nil
}

// rotatingFile appends to path; a write that would take the file past
// max bytes first rotates it: path.N is removed (N = keep), path.N-1
// becomes path.N ... path becomes path.1 (wurepair.log → wurepair.1.log,
// CMTrace opens either), and a new file starts. A rotation that fails
// (another wurepair holds the file open on Windows) is retried at the
// next write; the entry is appended meanwhile, never lost.
type rotatingFile struct {
	path string
	max  int64
	keep int
	f    *os.File
	size int64
}

// openRotatingFile opens path for appending, creating its folder. It
// refuses a folder or file that is a link or another reparse point: the
// log is written as SYSTEM, and a link planted where it goes would make
// wurepair append to (or rotate away) a file of the planter's choosing.
func openRotatingFile(path string, max int64, keep int) (*rotatingFile, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	if err := plain(dir, fs.ModeDir); err != nil {
		return nil, err
	}
	r := &rotatingFile{path: path, max: max, keep: keep}
	if err := r.open(); err != nil {
		return nil, err
	}
	return r, nil
}

// plain checks that path, if it exists, is not a link: its type is want
// (fs.ModeDir, or 0 for a regular file).
func plain(path string, want fs.FileMode) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) && want == 0 {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode().Type() != want {
		return fmt.Errorf("%s is a link or not a plain %s (%s): refused", path, map[bool]string{true: "folder", false: "file"}[want == fs.ModeDir], fi.Mode().Type())
	}
	return nil
}

func (r *rotatingFile) open() error {
	if err := plain(r.path, 0); err != nil {
		return err
	}
	f, err := os.OpenFile(r.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		return errors.Join(err, f.Close())
	}
	r.f, r.size = f, fi.Size()
	return nil
}

// backup is the name of the nth rotated file: wurepair.log → wurepair.2.log.
func (r *rotatingFile) backup(n int) string {
	ext := filepath.Ext(r.path)
	return strings.TrimSuffix(r.path, ext) + "." + strconv.Itoa(n) + ext
}

func (r *rotatingFile) Write(p []byte) (int, error) {
	if r.size > 0 && r.size+int64(len(p)) > r.max {
		_ = r.rotate() // on failure keep appending to the current file
	}
	n, err := r.f.Write(p)
	r.size += int64(n)
	return n, err
}

func (r *rotatingFile) rotate() error {
	cerr := r.f.Close()
	serr := r.shift()
	oerr := r.open() // the new file, or the old one again if shift failed
	return errors.Join(cerr, serr, oerr)
}

// shift renames the files one place down, dropping the oldest.
func (r *rotatingFile) shift() error {
	if err := os.Remove(r.backup(r.keep)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	for n := r.keep - 1; n >= 1; n-- {
		if err := os.Rename(r.backup(n), r.backup(n+1)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return os.Rename(r.path, r.backup(1))
}

func (r *rotatingFile) Close() error { return r.f.Close() }
