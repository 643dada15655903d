package orchestrator

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
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
	RecFindings   = "findings" // the findings that led to a repair (Findings), before its first change
	RecRunEnd     = "run-end"
	// RecSeal closes a journal (format v3): written right after every
	// run-end, it counts the records before it and repeats the outcome.
	// Only a journal whose last record is a seal is a finished run (see
	// Summarize); a seal is never appended by callers.
	RecSeal = "seal"
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

// JournalVersion is the journal format this wurepair writes. 2: every
// record carries an HMAC-SHA256 (key: KeyName in the state directory) and
// Prev is the previous record's MAC. 3: as 2, and every run-end is
// followed by a seal record (RecSeal), copied to SealName beside the
// journal, so a journal cut short can never pass for a finished run. A
// journal of a newer version is reported as such, never read as garbage;
// one of an older, unkeyed version (1) cannot be verified and is never
// acted on; a v2 journal (keyed, unsealed: the previous wurepair) is read
// as before, with the limits docs/security-model.md states (Legacy).
const JournalVersion = 3

// legacyJournalVersion is the oldest format read: keyed, unsealed.
const legacyJournalVersion = 2

// Bounds on what is read: a planted multi-GB file cannot exhaust memory.
const (
	MaxJournalBytes = 16 << 20 // a journal of a whole reset is a few KB
	MaxRecordBytes  = 64 << 10
)

// Record is one journal line: the JSON of the record, then its MAC as the
// last member ("mac"), computed over the JSON without it. Prev is the MAC
// of the previous record, so a removed, edited, reordered or forged record
// breaks the chain, and only wurepair, holding the key, can write one.
type Record struct {
	V      int       `json:"v"`
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
	// seal: how many records precede it (its Seq-1).
	Count int `json:"count,omitempty"`
	// findings records (issue 18): what the diagnosis found, with evidence.
	Findings []Finding `json:"findings,omitempty"`
	Prev     string    `json:"prev"`

	mac string // the record's MAC, as read or written (not part of its JSON)
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

// SealName is the file beside the journal holding a copy of its newest
// seal record (written after the seal is durable in the journal). A
// journal with fewer records than that copy's seq, or another record at
// that seq, was cut or edited: it is refused (ErrJournalTruncated).
const SealName = "journal.seal"

const sealTmpName = "journal.seal.tmp"

// Journal appends records to one run's journal, fsyncing each. It keeps
// the records it holds in memory: checks during a run read those, never
// the file again.
type Journal struct {
	mu     sync.Mutex
	f      journalFile
	key    []byte
	seq    int
	prev   string
	size   int64 // bytes of whole, good records
	recs   []Record
	last   []byte // the newest record's line
	broken error  // the file could not be cut back after a failed write
	now    func() time.Time
	// sd and id locate the seal copy (nil sd: tests of the file alone).
	sd      *StateDir
	id      string
	copyErr error // the last seal copy that could not be written
}

// journalFile is what a journal writes to: an *os.File (tests inject a
// failing disk).
type journalFile interface {
	WriteAt(b []byte, off int64) (int, error)
	Sync() error
	Truncate(size int64) error
	Close() error
	Name() string
}

// CreateJournal starts the journal of a new run: runs/<id>/journal.jsonl
// in the state directory (created; it must not hold one).
func CreateJournal(sd *StateDir, id string, key []byte, now func() time.Time) (*Journal, error) {
	if !ValidRunID(id) {
		return nil, fmt.Errorf("invalid run id %q", id)
	}
	if _, err := sd.MkdirAll("runs", id); err != nil {
		return nil, fmt.Errorf("journal dir: %w", err)
	}
	f, err := sd.OpenFile(os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600, "runs", id, JournalName)
	if err != nil {
		return nil, fmt.Errorf("create journal: %w", err)
	}
	return &Journal{f: f, key: key, now: now, sd: sd, id: id}, nil
}

// AppendJournal reopens an existing, verified journal to add records
// (rollback). A torn last line (a crash mid-write) is cut off: its change
// never started, because every change waits for its intent to be fsynced.
// The cut is recorded in a note with the digest of the discarded bytes.
func AppendJournal(sd *StateDir, id string, key []byte, now func() time.Time) (*Journal, []Record, error) {
	if !ValidRunID(id) {
		return nil, nil, fmt.Errorf("invalid run id %q", id)
	}
	sealCopy, err := readSealCopy(sd, id)
	if err != nil {
		return nil, nil, err
	}
	f, err := sd.OpenFile(os.O_RDWR, 0, "runs", id, JournalName)
	if err != nil {
		return nil, nil, fmt.Errorf("open journal: %w", err)
	}
	raw, err := readBounded(f)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	recs, err := ReadJournal(bytes.NewReader(raw), key, id)
	torn := errors.Is(err, ErrTornTail)
	if err == nil || torn {
		if serr := checkSealCopy(sealCopy, id, key, recs); serr != nil {
			err, torn = serr, false
		}
	}
	if err != nil && !torn {
		f.Close()
		return nil, nil, err
	}
	good := len(raw)
	if torn {
		good = bytes.LastIndexByte(raw, '\n') + 1
		if err := f.Truncate(int64(good)); err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("cut torn journal tail: %w", err)
		}
	}
	j := &Journal{f: f, key: key, now: now, size: int64(good), recs: recs, sd: sd, id: id}
	if n := len(recs); n > 0 {
		j.seq = recs[n-1].Seq
		j.prev = lastMAC(raw[:good])
	}
	if torn {
		if _, err := j.Append(Record{Type: RecNote, Detail: fmt.Sprintf("discarded an incomplete last record of %d bytes (sha256 %s) left by a crash", len(raw)-good, hashLine(raw[good:]))}); err != nil {
			f.Close()
			return nil, nil, err
		}
	}
	return j, recs, nil
}

// Append writes one record durably and returns its sequence number. A
// write or fsync that fails is cut back to the last good record, so the
// file stays a valid journal and seq/prev stay consistent. A run-end is
// followed by its seal (RecSeal: the count of records before it and the
// outcome), then the seal is copied to SealName; callers never append a
// seal themselves.
func (j *Journal) Append(r Record) (int, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if r.Type == RecSeal {
		return 0, errors.New("journal: a seal is written only after a run-end")
	}
	seq, err := j.appendLocked(r)
	if err != nil || r.Type != RecRunEnd {
		return seq, err
	}
	if _, err := j.appendLocked(Record{Type: RecSeal, Count: seq, Outcome: r.Outcome}); err != nil {
		return seq, fmt.Errorf("journal seal: %w", err)
	}
	j.copyErr = j.copySeal()
	return seq, nil
}

func (j *Journal) appendLocked(r Record) (int, error) {
	if j.broken != nil {
		return 0, fmt.Errorf("journal unusable since a failed write could not be cut back: %w", j.broken)
	}
	r.V = JournalVersion
	r.Seq = j.seq + 1
	if r.Time.IsZero() {
		r.Time = j.now().UTC()
	}
	r.Prev = j.prev
	body, err := json.Marshal(r)
	if err != nil {
		return 0, fmt.Errorf("journal: %w", err)
	}
	line, mac := seal(body, j.key)
	if len(line) > MaxRecordBytes {
		return 0, fmt.Errorf("journal: record of %d bytes exceeds the %d-byte limit", len(line), MaxRecordBytes)
	}
	if j.size+int64(len(line)) > MaxJournalBytes {
		return 0, fmt.Errorf("journal: %w", ErrJournalTooLarge)
	}
	if _, err := j.f.WriteAt(line, j.size); err != nil {
		return 0, j.cutBack(fmt.Errorf("journal write: %w", err))
	}
	if err := j.f.Sync(); err != nil {
		return 0, j.cutBack(fmt.Errorf("journal fsync: %w", err))
	}
	r.mac = mac
	j.seq, j.prev, j.size = r.Seq, mac, j.size+int64(len(line))
	j.recs = append(j.recs, r)
	j.last = line
	return r.Seq, nil
}

// copySeal writes the newest seal line to SealName: a new file (a stale
// temporary one is removed first, never truncated through a link), fsynced,
// then renamed over the old copy. It runs only after the seal is durable
// in the journal, so the copy never gets ahead of it. A failure leaves the
// journal sealed; only the check against truncation is weaker (copyErr,
// reported by Close).
func (j *Journal) copySeal() error {
	if j.sd == nil {
		return nil
	}
	dir := []string{"runs", j.id}
	if err := j.sd.Remove(append(dir, sealTmpName)...); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("seal copy: %w", err)
	}
	f, err := j.sd.OpenFile(os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600, append(dir, sealTmpName)...)
	if err != nil {
		return fmt.Errorf("seal copy: %w", err)
	}
	_, err = f.Write(j.last)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = j.sd.Rename(append(dir, sealTmpName), append(dir, SealName))
	}
	if err != nil {
		return fmt.Errorf("seal copy: %w", err)
	}
	return nil
}

// cutBack removes whatever a failed write left after the last good record.
func (j *Journal) cutBack(err error) error {
	if terr := j.f.Truncate(j.size); terr != nil {
		j.broken = terr
		return errors.Join(err, fmt.Errorf("cutting the journal back to its last good record: %w", terr))
	}
	_ = j.f.Sync()
	return err
}

// Records returns a copy of every record the journal holds.
func (j *Journal) Records() []Record {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]Record(nil), j.recs...)
}

// Path is the journal file's name, for messages.
func (j *Journal) Path() string { return j.f.Name() }

// Close closes the file. It also reports a seal copy that could not be
// written (the journal itself is sealed).
func (j *Journal) Close() error { return errors.Join(j.f.Close(), j.copyErr) }

const (
	macHead = `,"mac":"`
	macTail = `"}`
	macHex  = 64
	sealLen = len(macHead) + macHex + len(macTail)
)

// seal turns a record's JSON into its journal line: the MAC, over that
// JSON, appended as the last member.
func seal(body, key []byte) (line []byte, mac string) {
	mac = macOf(body, key)
	line = make([]byte, 0, len(body)+sealLen)
	line = append(line, body[:len(body)-1]...)
	line = append(line, macHead...)
	line = append(line, mac...)
	line = append(line, macTail...)
	return append(line, '\n'), mac
}

func macOf(body, key []byte) string {
	h := hmac.New(sha256.New, key)
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// unseal splits a line into the record's JSON and its MAC.
func unseal(line []byte) (body []byte, mac string, ok bool) {
	n := len(line)
	if n < sealLen+2 || !bytes.HasSuffix(line, []byte(macTail)) || !bytes.HasPrefix(line[n-sealLen:], []byte(macHead)) {
		return nil, "", false
	}
	mac = string(line[n-sealLen+len(macHead) : n-len(macTail)])
	if _, err := hex.DecodeString(mac); err != nil || strings.ToLower(mac) != mac {
		return nil, "", false
	}
	body = append(append([]byte{}, line[:n-sealLen]...), '}')
	return body, mac, true
}

func hashLine(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func lastMAC(raw []byte) string {
	raw = bytes.TrimSuffix(raw, []byte("\n"))
	if i := bytes.LastIndexByte(raw, '\n'); i >= 0 {
		raw = raw[i+1:]
	}
	_, mac, _ := unseal(raw)
	return mac
}

// ErrTornTail: the journal's last line is incomplete (a crash mid-write).
// The records before it are returned and valid.
var ErrTornTail = errors.New("journal ends with an incomplete record")

// ErrJournalCorrupt: a record is malformed or out of sequence.
var ErrJournalCorrupt = errors.New("journal is corrupt")

// ErrJournalForged: a record's MAC or chain does not verify with this
// machine's key, or the journal is not one wurepair wrote for this run:
// it was written or edited by someone else. It is reported, never acted on.
var ErrJournalForged = errors.New("journal fails verification (not written by this machine's wurepair)")

// ErrJournalNewer: the journal was written by a newer wurepair.
var ErrJournalNewer = errors.New("journal written by a newer wurepair")

// ErrJournalTooLarge: the journal exceeds MaxJournalBytes; it is not read.
var ErrJournalTooLarge = fmt.Errorf("journal exceeds the %d MiB limit", MaxJournalBytes>>20)

// Usable reports whether records read with err may be acted on: all of
// them verified (a torn last line, a crash's mark, is cut and ignored).
func Usable(err error) bool { return err == nil || errors.Is(err, ErrTornTail) }

// ReadRun reads and verifies the journal of run id in the state directory.
func ReadRun(sd *StateDir, id string, key []byte) ([]Record, error) {
	if !ValidRunID(id) {
		return nil, fmt.Errorf("%q is not a run id (want 20060102T150405Z-1a2b3c)", id)
	}
	sealCopy, err := readSealCopy(sd, id)
	if err != nil {
		return nil, err
	}
	f, err := sd.OpenFile(os.O_RDONLY, 0, "runs", id, JournalName)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	raw, err := readBounded(f)
	if err != nil {
		return nil, err
	}
	recs, err := ReadJournal(bytes.NewReader(raw), key, id)
	if Usable(err) {
		if serr := checkSealCopy(sealCopy, id, key, recs); serr != nil {
			return recs, serr
		}
	}
	return recs, err
}

// ErrJournalTruncated: the journal holds fewer records than its seal copy
// says it had, or another record where that seal was: records were cut
// off its end (or edited). A truncated journal would pass for a run that
// never finished, and `rollback` would undo a finished run: it is refused.
var ErrJournalTruncated = fmt.Errorf("%w: records were cut off its end (its seal copy %s names a record it no longer holds)", ErrJournalForged, SealName)

// readSealCopy reads the seal copy of run id (nil: there is none). It is
// read before the journal: the copy is written after the journal, so a
// journal read after it holds at least the records the copy names, even
// while a run appends (no false "cut").
func readSealCopy(sd *StateDir, id string) ([]byte, error) {
	f, err := sd.OpenFile(os.O_RDONLY, 0, "runs", id, SealName)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil // never sealed, or sealed by a crash before the copy
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, MaxRecordBytes+1))
	if err == nil && raw == nil {
		raw = []byte{}
	}
	return raw, err
}

// checkSealCopy compares a verified journal with its seal copy (raw, as
// readSealCopy read it; nil: none).
func checkSealCopy(raw []byte, id string, key []byte, recs []Record) error {
	if raw == nil {
		return nil
	}
	line, ok := bytes.CutSuffix(raw, []byte("\n"))
	if !ok || len(raw) > MaxRecordBytes || bytes.IndexByte(line, '\n') >= 0 {
		return fmt.Errorf("%s: %w: not one record", SealName, ErrJournalForged)
	}
	body, mac, ok := unseal(line)
	if !ok || len(key) == 0 || !hmac.Equal([]byte(macOf(body, key)), []byte(mac)) {
		return fmt.Errorf("%s: %w: wrong MAC", SealName, ErrJournalForged)
	}
	var s Record
	if err := json.Unmarshal(body, &s); err != nil || s.Type != RecSeal || s.Seq < 2 {
		return fmt.Errorf("%s: %w: not a seal", SealName, ErrJournalForged)
	}
	if len(recs) < s.Seq || recs[s.Seq-1].mac != mac {
		return fmt.Errorf("run %s: %w", id, ErrJournalTruncated)
	}
	return nil
}

// readBounded reads a whole journal file, refusing one over the limit
// before reading it.
func readBounded(f *os.File) ([]byte, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() > MaxJournalBytes {
		return nil, fmt.Errorf("%s: %d bytes: %w", f.Name(), fi.Size(), ErrJournalTooLarge)
	}
	raw, err := io.ReadAll(io.LimitReader(f, MaxJournalBytes+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > MaxJournalBytes {
		return nil, fmt.Errorf("%s: %w", f.Name(), ErrJournalTooLarge)
	}
	return raw, nil
}

// ReadJournal decodes and verifies the journal of run id (id "" skips the
// run id check). It returns the records verified before any problem.
func ReadJournal(r io.Reader, key []byte, id string) ([]Record, error) {
	br := bufio.NewReaderSize(io.LimitReader(r, MaxJournalBytes+1), MaxRecordBytes+1)
	var recs []Record
	prev := ""
	total := 0
	for {
		line, err := br.ReadSlice('\n')
		total += len(line)
		if total > MaxJournalBytes {
			return recs, ErrJournalTooLarge
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			return recs, fmt.Errorf("%w: record %d is longer than %d bytes", ErrJournalCorrupt, len(recs)+1, MaxRecordBytes)
		}
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
		rec, mac, err := verifyLine(body, key, prev)
		if err != nil {
			return recs, fmt.Errorf("record %d: %w", len(recs)+1, err)
		}
		if rec.Seq != len(recs)+1 {
			return recs, fmt.Errorf("%w: record %d has seq %d", ErrJournalCorrupt, len(recs)+1, rec.Seq)
		}
		if len(recs) == 0 && (rec.Type != RecRunStart || rec.Run == nil || id != "" && rec.Run.ID != id) {
			return recs, fmt.Errorf("%w: it does not begin with the run-start of run %s", ErrJournalForged, id)
		}
		if n := len(recs); n > 0 && rec.V < recs[n-1].V {
			return recs, fmt.Errorf("%w: record %d is format v%d after v%d", ErrJournalCorrupt, n+1, rec.V, recs[n-1].V)
		}
		if rec.Type == RecSeal {
			// A seal follows its run-end and repeats its outcome; it counts
			// the records before it.
			if n := len(recs); rec.Count != n || recs[n-1].Type != RecRunEnd || recs[n-1].Outcome != rec.Outcome {
				return recs, fmt.Errorf("%w: record %d is a seal that does not close a run-end", ErrJournalCorrupt, n+1)
			}
		}
		rec.mac = mac
		recs = append(recs, rec)
		prev = mac
	}
}

// verifyLine checks one line's version, MAC and chain link.
func verifyLine(line, key []byte, prev string) (Record, string, error) {
	var head struct {
		V int `json:"v"`
	}
	if err := json.Unmarshal(line, &head); err != nil {
		return Record{}, "", fmt.Errorf("%w: %v", ErrJournalCorrupt, err)
	}
	switch {
	case head.V > JournalVersion:
		return Record{}, "", fmt.Errorf("%w (format v%d; this one reads up to v%d): update wurepair to read it", ErrJournalNewer, head.V, JournalVersion)
	case head.V < legacyJournalVersion:
		return Record{}, "", fmt.Errorf("%w: format v%d has no MAC", ErrJournalForged, head.V)
	case len(key) == 0:
		return Record{}, "", fmt.Errorf("%w: %w", ErrJournalForged, ErrNoKey)
	}
	body, mac, ok := unseal(line)
	if !ok {
		return Record{}, "", fmt.Errorf("%w: no MAC", ErrJournalForged)
	}
	if !hmac.Equal([]byte(macOf(body, key)), []byte(mac)) {
		return Record{}, "", fmt.Errorf("%w: wrong MAC", ErrJournalForged)
	}
	var rec Record
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rec); err != nil || dec.More() {
		return Record{}, "", fmt.Errorf("%w: %v", ErrJournalCorrupt, err)
	}
	if rec.Prev != prev {
		return Record{}, "", fmt.Errorf("%w: the chain to the previous record is broken", ErrJournalForged)
	}
	return rec, mac, nil
}
