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

// rotatingFile appends to a file in a trusted folder; a write that would
// take the file past max bytes first rotates it: name.N is removed (N =
// keep), name.N-1 becomes name.N ... name becomes name.1 (wurepair.log →
// wurepair.1.log, CMTrace opens either), and a new file starts. A
// rotation that fails (another wurepair holds the file open on Windows)
// is retried at the next write; the entry is appended meanwhile, never
// lost.
//
// The log is written as SYSTEM, so it is opened the way state files are
// (issue 19): its folder must pass the state directory's trust checks
// (owner SYSTEM/Administrators, Unix root or the running user; nobody
// else may write it; not a link), and the file is opened without
// following a link (O_NOFOLLOW; FILE_FLAG_OPEN_REPARSE_POINT) and checked
// on the handle: a regular file with one name, inside that folder. There
// is no check-then-open by path for a link swapped in between to win.
// Renames and removals during rotation go through the same folder.
type rotatingFile struct {
	dir  *orchestrator.StateDir
	name string
	max  int64
	keep int
	f    *os.File
	size int64
}

// openRotatingFile opens path for appending, creating its folder (with
// the state directory's private permissions) when it does not exist. A
// folder others may write, a link, or a file that is not a plain file of
// its own is refused: a link planted where the log goes would make
// wurepair append to (or rotate away) a file of the planter's choosing.
func openRotatingFile(path string, max int64, keep int) (*rotatingFile, error) {
	path, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	folder, name := filepath.Split(path)
	dir, err := orchestrator.OpenStateDir(filepath.Clean(folder), true)
	if err != nil {
		return nil, logRefused(folder, err)
	}
	r := &rotatingFile{dir: dir, name: name, max: max, keep: keep}
	if err := r.open(); err != nil {
		return nil, logRefused(folder, err)
	}
	return r, nil
}

// logRefused says why a log folder or file was refused and what to do.
func logRefused(folder string, err error) error {
	if errors.Is(err, orchestrator.ErrUntrusted) {
		return fmt.Errorf("log refused: %w; the log is written as SYSTEM, so its folder must be writable only by SYSTEM and "+
			"Administrators (Unix: root) and hold no links: choose such a folder (the default is logs\\ in the state directory)", err)
	}
	return fmt.Errorf("log folder %s: %w", filepath.Clean(folder), err)
}

func (r *rotatingFile) open() error {
	f, err := r.dir.OpenFile(os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600, r.name)
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
	ext := filepath.Ext(r.name)
	return strings.TrimSuffix(r.name, ext) + "." + strconv.Itoa(n) + ext
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

// shift renames the files one place down, dropping the oldest. A link
// planted at an old file's name is removed or replaced, never followed.
func (r *rotatingFile) shift() error {
	if err := r.dir.Remove(r.backup(r.keep)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	for n := r.keep - 1; n >= 1; n-- {
		err := r.dir.Rename([]string{r.backup(n)}, []string{r.backup(n + 1)})
		if errors.Is(err, orchestrator.ErrUntrusted) {
			// Not a log wurepair wrote (a link, a hard link): removed
			// itself, never followed, so rotation goes on.
			err = r.dir.Remove(r.backup(n))
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return r.dir.Rename([]string{r.name}, []string{r.backup(1)})
}

func (r *rotatingFile) Close() error { return r.f.Close() }
