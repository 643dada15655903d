package orchestrator

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func fixedNow() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) }

func TestJournalRoundTripAndChain(t *testing.T) {
	dir := t.TempDir()
	j, err := CreateJournal(dir, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	recs := []Record{
		{Type: RecRunStart, Run: &RunInfo{ID: "r1", Command: "repair", Version: "test"}},
		{Type: RecIntent, Kind: KindServiceStop, Target: "wuauserv", Prior: &Prior{Status: "Running", StartType: "Manual"}},
		{Type: RecDone, Ref: 2},
	}
	for _, r := range recs {
		if _, err := j.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	if _, err := CreateJournal(dir, fixedNow); err == nil {
		t.Fatal("a second journal in the same run directory must be refused")
	}
	got, err := ReadJournalFile(filepath.Join(dir, JournalName))
	if err != nil || len(got) != 3 || got[1].Prior.Status != "Running" || got[2].Ref != 2 {
		t.Fatalf("read %+v, %v", got, err)
	}

	raw, _ := os.ReadFile(filepath.Join(dir, JournalName))
	tampered := bytes.Replace(raw, []byte(`"Running"`), []byte(`"Stopped"`), 1)
	if _, err := ReadJournal(bytes.NewReader(tampered)); !errors.Is(err, ErrJournalCorrupt) {
		t.Fatalf("an edited record must break the chain, got %v", err)
	}
	lines := bytes.SplitAfter(raw, []byte("\n"))
	dropped := append(append([]byte{}, lines[0]...), lines[2]...)
	if _, err := ReadJournal(bytes.NewReader(dropped)); !errors.Is(err, ErrJournalCorrupt) {
		t.Fatalf("a removed record must break the chain, got %v", err)
	}
}

// A crash mid-write leaves a line without its newline: its change never
// started. Rollback cuts it, notes it, and the chain stays valid.
func TestJournalTornTailRecovery(t *testing.T) {
	dir := t.TempDir()
	j, _ := CreateJournal(dir, fixedNow)
	j.Append(Record{Type: RecRunStart, Run: &RunInfo{ID: "r1"}})
	j.Append(Record{Type: RecIntent, Kind: KindFolderBackup, Target: `C:\x`})
	j.Close()
	path := filepath.Join(dir, JournalName)
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"seq":3,"type":"do`)
	f.Close()

	recs, err := ReadJournalFile(path)
	if !errors.Is(err, ErrTornTail) || len(recs) != 2 {
		t.Fatalf("got %d records, %v; want 2 and ErrTornTail", len(recs), err)
	}
	j2, recs2, err := AppendJournal(dir, fixedNow)
	if err != nil || len(recs2) != 2 {
		t.Fatalf("AppendJournal: %d records, %v", len(recs2), err)
	}
	if _, err := j2.Append(Record{Type: RecUndone, Ref: 2}); err != nil {
		t.Fatal(err)
	}
	j2.Close()
	all, err := ReadJournalFile(path)
	if err != nil {
		t.Fatalf("after recovery the chain must verify: %v", err)
	}
	if len(all) != 4 || all[2].Type != RecNote || !strings.Contains(all[2].Detail, "incomplete last record") || all[3].Type != RecUndone {
		t.Fatalf("records after recovery: %+v", all)
	}
}

func FuzzReadJournal(f *testing.F) {
	var b bytes.Buffer
	dir := f.TempDir()
	j, _ := CreateJournal(dir, fixedNow)
	j.Append(Record{Type: RecRunStart, Run: &RunInfo{ID: "r"}})
	j.Append(Record{Type: RecIntent, Kind: KindServiceStop, Target: "BITS", Prior: &Prior{Status: "Running"}})
	j.Close()
	raw, _ := os.ReadFile(filepath.Join(dir, JournalName))
	b.Write(raw)
	f.Add(b.Bytes())
	f.Add([]byte("{}\n"))
	f.Add([]byte(`{"seq":1,"type":"note","prev":""}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := ReadJournal(bytes.NewReader(data))
		if err != nil && !errors.Is(err, ErrTornTail) && !errors.Is(err, ErrJournalCorrupt) {
			t.Fatalf("unexpected error kind: %v", err)
		}
		for i, r := range recs {
			if r.Seq != i+1 {
				t.Fatalf("record %d has seq %d", i, r.Seq)
			}
		}
	})
}
