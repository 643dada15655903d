package orchestrator

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Record types.
const (
	RecRunStart   = "run-start"
	RecIntent     = "intent"      // about to change something; Prior says what it was
	RecDone       = "done"        // the change of intent Ref happened
	RecFailed     = "failed"      // the change of intent Ref failed (it may have half-happened)
	RecUndone     = "undone"      // intent Ref was undone
	RecUndoFailed = "undo-failed" // undoing intent Ref failed
	RecNote       = "note"
	RecRunEnd     = "run-end"
)

// Change kinds an intent can carry; each has an undo (undo.go).
const (
	KindServiceStop   = "service-stop"
	KindServiceStart  = "service-start"
	KindStartType     = "start-type"
	KindFolderBackup  = "folder-backup"
	KindDllRegister   = "dll-register"
	KindComponentFix  = "component-repair"
	KindHistoryExport = "history-export"
	KindBackupRemove  = "backup-remove"
)

// Prior is a service's state before wurepair touched it.
type Prior struct {
	Status           string `json:"status,omitempty"`
	StartType        string `json:"startType,omitempty"`
	DelayedAutoStart bool   `json:"delayedAutoStart,omitempty"`
	ProcessID        int    `json:"processId,omitempty"`
}

// Record is one journal line. Prev is the SHA-256 of the previous line's
// bytes, so a removed, edited or reordered record breaks the chain.
type Record struct {
	Seq    int       `json:"seq"`
	Time   time.Time `json:"time"`
	Type   string    `json:"type"`
	Ref    int       `json:"ref,omitempty"`
	Kind   string    `json:"kind,omitempty"`
	Target string    `json:"target,omitempty"`
	Prior  *Prior    `json:"prior,omitempty"`
	// Folder backups: Target is the folder, Backup where it went.
	Backup string `json:"backup,omitempty"`
	// Service stops: running dependents the script stopped first.
	Dependents []string `json:"dependents,omitempty"`
	// The script that made the change, and its digest: the audit trail
	// names exactly the code that ran.
	Script       string `json:"script,omitempty"`
	ScriptSHA256 string `json:"scriptSha256,omitempty"`
	DurationMs   int64  `json:"durationMs,omitempty"`
	Detail       string `json:"detail,omitempty"`
	Error        string `json:"error,omitempty"`
	// run-start / run-end
	Run     *RunInfo `json:"run,omitempty"`
	Outcome string   `json:"outcome,omitempty"`
	Prev    string   `json:"prev"`
}

// RunInfo heads a journal: who ran what, where, with which binary.
type RunInfo struct {
	ID       string   `json:"id"`
	Command  string   `json:"command"`
	Plans    []string `json:"plans,omitempty"`
	Version  string   `json:"version"`
	User     string   `json:"user,omitempty"`
	Machine  string   `json:"machine,omitempty"`
	HostPID  int      `json:"hostPid,omitempty"`
	OSBuild  string   `json:"osBuild,omitempty"`
	Resuming string   `json:"resuming,omitempty"` // rollback: the run it undoes
}

// JournalName is the file inside a run's directory.
const JournalName = "journal.jsonl"

// Journal appends records to one run's journal, fsyncing each.
type Journal struct {
	mu   sync.Mutex
	f    *os.File
	seq  int
	prev string
	now  func() time.Time
}

// CreateJournal starts a new journal in dir (created; must not hold one).
func CreateJournal(dir string, now func() time.Time) (*Journal, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("journal dir: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, JournalName), os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return nil, fmt.Errorf("create journal: %w", err)
	}
	return &Journal{f: f, now: now}, nil
}

// AppendJournal reopens an existing journal to add records (rollback). A
// torn last line (a crash mid-write) is cut off: its change never started,
// because every change waits for its intent to be fsynced. The cut is
// recorded in a note with the digest of the discarded bytes.
func AppendJournal(dir string, now func() time.Time) (*Journal, []Record, error) {
	path := filepath.Join(dir, JournalName)
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open journal: %w", err)
	}
	recs, err := ReadJournal(bytes.NewReader(raw))
	torn := errors.Is(err, ErrTornTail)
	if err != nil && !torn {
		return nil, nil, err
	}
	good := len(raw)
	if torn {
		good = bytes.LastIndexByte(raw, '\n') + 1
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0o640)
	if err != nil {
		return nil, nil, fmt.Errorf("open journal: %w", err)
	}
	if torn {
		if err := f.Truncate(int64(good)); err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("cut torn journal tail: %w", err)
		}
	}
	if _, err := f.Seek(int64(good), io.SeekStart); err != nil {
		f.Close()
		return nil, nil, err
	}
	j := &Journal{f: f, now: now, prev: lastLineHash(raw[:good])}
	if n := len(recs); n > 0 {
		j.seq = recs[n-1].Seq
	}
	if torn {
		if _, err := j.Append(Record{Type: RecNote, Detail: fmt.Sprintf("discarded an incomplete last record of %d bytes (sha256 %s) left by a crash", len(raw)-good, hashLine(raw[good:]))}); err != nil {
			f.Close()
			return nil, nil, err
		}
	}
	return j, recs, nil
}

// Append writes one record durably and returns its sequence number.
func (j *Journal) Append(r Record) (int, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	r.Seq = j.seq
	if r.Time.IsZero() {
		r.Time = j.now().UTC()
	}
	r.Prev = j.prev
	line, err := json.Marshal(r)
	if err != nil {
		return 0, fmt.Errorf("journal: %w", err)
	}
	line = append(line, '\n')
	if _, err := j.f.Write(line); err != nil {
		return 0, fmt.Errorf("journal write: %w", err)
	}
	if err := j.f.Sync(); err != nil {
		return 0, fmt.Errorf("journal fsync: %w", err)
	}
	j.prev = hashLine(line[:len(line)-1])
	return r.Seq, nil
}

// Close closes the file.
func (j *Journal) Close() error { return j.f.Close() }

func hashLine(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func lastLineHash(raw []byte) string {
	raw = bytes.TrimSuffix(raw, []byte("\n"))
	if len(raw) == 0 {
		return ""
	}
	if i := bytes.LastIndexByte(raw, '\n'); i >= 0 {
		raw = raw[i+1:]
	}
	return hashLine(raw)
}

// ErrTornTail: the journal's last line is incomplete (a crash mid-write).
// The records before it are returned and valid.
var ErrTornTail = errors.New("journal ends with an incomplete record")

// ErrJournalCorrupt: a record is malformed, out of sequence, or its hash
// chain is broken (edited, removed or reordered lines).
var ErrJournalCorrupt = errors.New("journal is corrupt")

// ReadJournalFile reads and verifies a journal file.
func ReadJournalFile(path string) ([]Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadJournal(f)
}

// ReadJournal decodes and verifies a journal stream.
func ReadJournal(r io.Reader) ([]Record, error) {
	br := bufio.NewReader(r)
	var recs []Record
	prev := ""
	for {
		line, err := br.ReadBytes('\n')
		complete := err == nil
		if err != nil && !errors.Is(err, io.EOF) {
			return recs, err
		}
		body := bytes.TrimSuffix(line, []byte("\n"))
		if len(bytes.TrimSpace(body)) == 0 {
			if !complete {
				return recs, nil
			}
			continue
		}
		if !complete {
			// Every record ends with a newline written in the same call:
			// a last line without one was cut short, whatever it parses as.
			return recs, ErrTornTail
		}
		var rec Record
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if derr := dec.Decode(&rec); derr != nil || dec.More() {
			return recs, fmt.Errorf("%w: record after seq %d: %v", ErrJournalCorrupt, len(recs), derr)
		}
		if rec.Seq != len(recs)+1 || rec.Prev != prev {
			return recs, fmt.Errorf("%w: record %d breaks the sequence or hash chain", ErrJournalCorrupt, rec.Seq)
		}
		recs = append(recs, rec)
		prev = hashLine(body)
	}
}
