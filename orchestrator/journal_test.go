package orchestrator

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func fixedNow() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) }

const testRunID = "20261123T090000Z-abcdef"

// testState is a fresh trusted state directory with its key.
func testState(t testing.TB) (*StateDir, []byte) {
	t.Helper()
	sd, err := OpenStateDir(filepath.Join(t.TempDir(), "wurepair"), true)
	if err != nil {
		t.Fatal(err)
	}
	key, err := sd.JournalKey(true)
	if err != nil {
		t.Fatal(err)
	}
	return sd, key
}

func journalPath(sd *StateDir, id string) string {
	return filepath.Join(sd.Path, "runs", id, JournalName)
}

func TestJournalRoundTripAndChain(t *testing.T) {
	sd, key := testState(t)
	j, err := CreateJournal(sd, testRunID, key, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	recs := []Record{
		{Type: RecRunStart, Run: &RunInfo{ID: testRunID, Command: "repair", Version: "test"}},
		{Type: RecIntent, Kind: KindServiceStop, Target: "wuauserv", Prior: &Prior{Status: "Running", StartType: "Manual"}},
		{Type: RecDone, Ref: 2},
	}
	for _, r := range recs {
		if _, err := j.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	if len(j.Records()) != 3 {
		t.Fatalf("in memory: %d records", len(j.Records()))
	}
	j.Close()
	if _, err := CreateJournal(sd, testRunID, key, fixedNow); err == nil {
		t.Fatal("a second journal in the same run directory must be refused")
	}
	got, err := ReadRun(sd, testRunID, key)
	if err != nil || len(got) != 3 || got[1].Prior.Status != "Running" || got[2].Ref != 2 {
		t.Fatalf("read %+v, %v", got, err)
	}

	raw, _ := os.ReadFile(journalPath(sd, testRunID))
	tampered := bytes.Replace(raw, []byte(`"Running"`), []byte(`"Stopped"`), 1)
	if _, err := ReadJournal(bytes.NewReader(tampered), key, testRunID); !errors.Is(err, ErrJournalForged) {
		t.Fatalf("an edited record must fail verification, got %v", err)
	}
	lines := bytes.SplitAfter(raw, []byte("\n"))
	dropped := append(append([]byte{}, lines[0]...), lines[2]...)
	if _, err := ReadJournal(bytes.NewReader(dropped), key, testRunID); err == nil || Usable(err) {
		t.Fatalf("a removed record must break the chain, got %v", err)
	}
	if _, err := ReadJournal(bytes.NewReader(raw), key, "20261123T090000Z-000000"); !errors.Is(err, ErrJournalForged) {
		t.Fatalf("a journal moved to another run's folder must fail verification, got %v", err)
	}
	other := bytes.Repeat([]byte{7}, keyLen)
	if _, err := ReadJournal(bytes.NewReader(raw), other, testRunID); !errors.Is(err, ErrJournalForged) {
		t.Fatalf("a journal made with another key must fail verification, got %v", err)
	}
}

// A journal whose records are well-formed and whose chain was recomputed
// by hand, with any key but this machine's, is refused: the attack of
// issue 11 (the old chain was a plain SHA-256 anyone could recompute).
func TestJournalForgedWithoutKeyRefused(t *testing.T) {
	_, key := testState(t)
	var b bytes.Buffer
	prev := ""
	for i, r := range []Record{
		{V: JournalVersion, Seq: 1, Type: RecRunStart, Run: &RunInfo{ID: testRunID, Command: "repair"}},
		{V: JournalVersion, Seq: 2, Type: RecIntent, Kind: KindServiceStop, Target: "CryptSvc", Prior: &Prior{Status: "Running", StartType: "Disabled"}},
	} {
		r.Prev = prev
		body, _ := json.Marshal(r)
		line, mac := seal(body, []byte("guessed key"))
		b.Write(line)
		prev = mac
		_ = i
	}
	if recs, err := ReadJournal(bytes.NewReader(b.Bytes()), key, testRunID); !errors.Is(err, ErrJournalForged) || len(recs) != 0 {
		t.Fatalf("forged journal: %d records, %v", len(recs), err)
	}
	if _, err := ReadJournal(bytes.NewReader(b.Bytes()), nil, testRunID); !errors.Is(err, ErrJournalForged) {
		t.Fatalf("without a key nothing verifies, got %v", err)
	}
}

// A journal of a newer format is reported as such, not as garbage; an
// unkeyed one of the old format is refused.
func TestJournalVersions(t *testing.T) {
	_, key := testState(t)
	newer := `{"v":4,"seq":1,"type":"run-start","something":"new","mac2":"x"}` + "\n"
	if _, err := ReadJournal(strings.NewReader(newer), key, ""); !errors.Is(err, ErrJournalNewer) {
		t.Fatalf("newer journal: %v", err)
	}
	if s := Summarize(testRunID, nil, ErrJournalNewer); s.Outcome != OutcomeNewer || s.Verified {
		t.Fatalf("summary of a newer journal: %+v", s)
	}
	old := `{"seq":1,"time":"2026-11-23T09:00:00Z","type":"run-start","run":{"id":"x","command":"repair","version":"v"},"prev":""}` + "\n"
	if _, err := ReadJournal(strings.NewReader(old), key, ""); !errors.Is(err, ErrJournalForged) {
		t.Fatalf("unkeyed journal: %v", err)
	}
}

// Bounded input: an over-long line and an over-large file are refused
// without reading them whole.
func TestJournalBounds(t *testing.T) {
	sd, key := testState(t)
	long := `{"v":2,"seq":1,"detail":"` + strings.Repeat("a", MaxRecordBytes) + `"}` + "\n"
	if _, err := ReadJournal(strings.NewReader(long), key, ""); !errors.Is(err, ErrJournalCorrupt) {
		t.Fatalf("over-long record: %v", err)
	}
	if _, err := sd.MkdirAll("runs", testRunID); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(journalPath(sd, testRunID), os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(64 << 20); err != nil { // sparse on Linux: costs no disk
		t.Fatal(err)
	}
	f.Close()
	if _, err := ReadRun(sd, testRunID, key); !errors.Is(err, ErrJournalTooLarge) {
		t.Fatalf("64 MiB journal: %v", err)
	}
}

// A crash mid-write leaves a line without its newline: its change never
// started. Rollback cuts it, notes it, and the chain stays valid.
func TestJournalTornTailRecovery(t *testing.T) {
	sd, key := testState(t)
	j, _ := CreateJournal(sd, testRunID, key, fixedNow)
	j.Append(Record{Type: RecRunStart, Run: &RunInfo{ID: testRunID}})
	j.Append(Record{Type: RecIntent, Kind: KindFolderBackup, Target: `C:\x`})
	j.Close()
	path := journalPath(sd, testRunID)
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"v":2,"seq":3,"type":"do`)
	f.Close()

	recs, err := ReadRun(sd, testRunID, key)
	if !errors.Is(err, ErrTornTail) || len(recs) != 2 || !Usable(err) {
		t.Fatalf("got %d records, %v; want 2 and ErrTornTail", len(recs), err)
	}
	j2, recs2, err := AppendJournal(sd, testRunID, key, fixedNow)
	if err != nil || len(recs2) != 2 {
		t.Fatalf("AppendJournal: %d records, %v", len(recs2), err)
	}
	if _, err := j2.Append(Record{Type: RecUndone, Ref: 2}); err != nil {
		t.Fatal(err)
	}
	j2.Close()
	all, err := ReadRun(sd, testRunID, key)
	if err != nil {
		t.Fatalf("after recovery the chain must verify: %v", err)
	}
	if len(all) != 4 || all[2].Type != RecNote || !strings.Contains(all[2].Detail, "incomplete last record") || all[3].Type != RecUndone {
		t.Fatalf("records after recovery: %+v", all)
	}
}

// fullDisk writes only the first part of a record, then fails: a disk
// that fills up mid-write.
type fullDisk struct{ *os.File }

func (d fullDisk) WriteAt(b []byte, off int64) (int, error) {
	n, _ := d.File.WriteAt(b[:len(b)/2], off)
	return n, errors.New("no space left on device")
}

// A write that fails half-way is cut back to the last good record, and
// seq and prev stay where they were: the next good append continues the
// chain and the file verifies.
func TestJournalFailedAppendKeepsChain(t *testing.T) {
	sd, key := testState(t)
	j, _ := CreateJournal(sd, testRunID, key, fixedNow)
	if _, err := j.Append(Record{Type: RecRunStart, Run: &RunInfo{ID: testRunID}}); err != nil {
		t.Fatal(err)
	}
	good := j.f
	j.f = fullDisk{good.(*os.File)}
	if _, err := j.Append(Record{Type: RecNote, Detail: "lost"}); err == nil {
		t.Fatal("a write to a full disk succeeded")
	}
	if recs, err := ReadRun(sd, testRunID, key); err != nil || len(recs) != 1 {
		t.Fatalf("after the failed write the file must hold the good record only: %d records, %v", len(recs), err)
	}
	j.f = good
	if seq, err := j.Append(Record{Type: RecNote, Detail: "kept"}); err != nil || seq != 2 {
		t.Fatalf("append after a failed one: seq %d, %v", seq, err)
	}
	j.Close()
	recs, err := ReadRun(sd, testRunID, key)
	if err != nil || len(recs) != 2 || recs[1].Detail != "kept" || len(j.Records()) != 2 {
		t.Fatalf("%+v, %v", recs, err)
	}
}

func FuzzReadJournal(f *testing.F) {
	sd, key := testState(f)
	j, _ := CreateJournal(sd, testRunID, key, fixedNow)
	j.Append(Record{Type: RecRunStart, Run: &RunInfo{ID: testRunID}})
	j.Append(Record{Type: RecIntent, Kind: KindServiceStop, Target: "BITS", Prior: &Prior{Status: "Running"}})
	j.Close()
	raw, _ := os.ReadFile(journalPath(sd, testRunID))
	f.Add(raw)
	f.Add([]byte("{}\n"))
	f.Add([]byte(`{"v":2,"seq":1,"type":"note","prev":""}`))
	f.Add(sealedJournal(f, key))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := ReadJournal(bytes.NewReader(data), key, testRunID)
		if err != nil && !errors.Is(err, ErrTornTail) && !errors.Is(err, ErrJournalCorrupt) && !errors.Is(err, ErrJournalForged) &&
			!errors.Is(err, ErrJournalNewer) && !errors.Is(err, ErrJournalTooLarge) {
			t.Fatalf("unexpected error kind: %v", err)
		}
		for i, r := range recs {
			if r.Seq != i+1 {
				t.Fatalf("record %d has seq %d", i, r.Seq)
			}
		}
	})
}
