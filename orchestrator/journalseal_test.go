package orchestrator

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeRun journals a finished run: run-start, one change, run-end
// (which the journal seals). It returns the journal's bytes.
func writeRun(t testing.TB, sd *StateDir, key []byte, outcome string) []byte {
	t.Helper()
	j, err := CreateJournal(sd, testRunID, key, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []Record{
		{Type: RecRunStart, Run: &RunInfo{ID: testRunID, Command: "repair", Plans: []string{"datastore"}, Version: "test"}},
		{Type: RecIntent, Kind: KindServiceStop, Target: "wuauserv", Prior: &Prior{Status: "Running", StartType: "Manual"}},
		{Type: RecDone, Ref: 2},
		{Type: RecRunEnd, Outcome: outcome},
	} {
		if _, err := j.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(journalPath(sd, testRunID))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// sealedJournal is the bytes of a sealed journal (a fuzz seed).
func sealedJournal(t testing.TB, key []byte) []byte {
	sd, err := OpenStateDir(filepath.Join(t.TempDir(), "seal"), true)
	if err != nil {
		t.Fatal(err)
	}
	return writeRun(t, sd, key, OutcomeSuccess)
}

// Every run-end is followed by a seal that counts the records before it;
// the seal is copied beside the journal; only a sealed journal is a
// finished run.
func TestJournalSealsEveryRunEnd(t *testing.T) {
	sd, key := testState(t)
	writeRun(t, sd, key, OutcomeSuccess)
	recs, err := ReadRun(sd, testRunID, key)
	if err != nil || len(recs) != 5 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	if s := recs[4]; s.Type != RecSeal || s.Count != 4 || s.Outcome != OutcomeSuccess || s.V != JournalVersion {
		t.Fatalf("last record: %+v", s)
	}
	if sum := Summarize(testRunID, recs, nil); !sum.Sealed || sum.Outcome != OutcomeSuccess || sum.Legacy || sum.Ended.IsZero() {
		t.Fatalf("summary: %+v", sum)
	}
	copyRaw, err := os.ReadFile(filepath.Join(sd.Path, "runs", testRunID, SealName))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(journalPath(sd, testRunID))
	if !bytes.HasSuffix(raw, copyRaw) {
		t.Fatalf("the seal copy is not the journal's last line:\n%s\n%s", copyRaw, raw)
	}
	// Records appended after a seal (a rollback that started) unseal the
	// run until its own run-end.
	j, _, err := AppendJournal(sd, testRunID, key, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Append(Record{Type: RecNote, Detail: "rollback started"}); err != nil {
		t.Fatal(err)
	}
	recs, err = ReadRun(sd, testRunID, key)
	if sum := Summarize(testRunID, recs, err); err != nil || sum.Sealed || !sum.Incomplete() || !sum.Unfinished() {
		t.Fatalf("a rollback that started is unfinished until sealed: %+v, %v", sum, err)
	}
	if _, err := j.Append(Record{Type: RecRunEnd, Outcome: OutcomeRolledBack}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	recs, err = ReadRun(sd, testRunID, key)
	if sum := Summarize(testRunID, recs, err); err != nil || !sum.Sealed || sum.Outcome != OutcomeRolledBack {
		t.Fatalf("after the rollback's run-end: %+v, %v", sum, err)
	}
	if _, err := j.Append(Record{Type: RecSeal}); err == nil {
		t.Fatal("a caller appended a seal")
	}
}

// The attack of issue 19: records cut off the end of a finished run's
// journal made it look unfinished, and `rollback` undid a successful
// repair. The journal no longer holds the record its seal copy names: it
// is refused (rejected, never acted on), whatever is cut.
func TestTruncatedJournalRefused(t *testing.T) {
	for cut := 1; cut <= 4; cut++ {
		t.Run(strings.Repeat("-", cut), func(t *testing.T) {
			sd, key := testState(t)
			raw := writeRun(t, sd, key, OutcomeSuccess)
			lines := bytes.SplitAfter(raw, []byte("\n"))
			lines = lines[:len(lines)-1] // the empty tail after the last newline
			if err := os.WriteFile(journalPath(sd, testRunID), bytes.Join(lines[:len(lines)-cut], nil), 0o600); err != nil {
				t.Fatal(err)
			}
			recs, err := ReadRun(sd, testRunID, key)
			if !errors.Is(err, ErrJournalTruncated) || !errors.Is(err, ErrJournalForged) || Usable(err) {
				t.Fatalf("cut %d: %v", cut, err)
			}
			if sum := Summarize(testRunID, recs, err); sum.Verified || sum.Unfinished() || sum.Outcome != OutcomeRejected {
				t.Fatalf("cut %d: summary %+v", cut, sum)
			}
			if _, _, err := AppendJournal(sd, testRunID, key, fixedNow); !errors.Is(err, ErrJournalTruncated) {
				t.Fatalf("cut %d: rollback's AppendJournal: %v", cut, err)
			}
		})
	}
}

// A seal copy that is not a seal this machine's wurepair wrote is refused
// like a forged journal.
func TestSealCopyForgedRefused(t *testing.T) {
	sd, key := testState(t)
	raw := writeRun(t, sd, key, OutcomeSuccess)
	lines := bytes.SplitAfter(raw, []byte("\n"))
	copyPath := filepath.Join(sd.Path, "runs", testRunID, SealName)
	for name, content := range map[string][]byte{
		"run-start": lines[0],
		"edited":    bytes.Replace(lines[4], []byte(`"count":4`), []byte(`"count":9`), 1),
		"two lines": append(append([]byte{}, lines[4]...), lines[4]...),
	} {
		if err := os.WriteFile(copyPath, content, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadRun(sd, testRunID, key); !errors.Is(err, ErrJournalForged) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// A seal must close a run-end with its outcome and count the records
// before it (a journal is written only by wurepair; this checks the
// reader does not take a malformed one as finished).
func TestSealMustCloseRunEnd(t *testing.T) {
	_, key := testState(t)
	line := func(r Record) []byte {
		body, _ := json.Marshal(r)
		l, _ := seal(body, key)
		return l
	}
	start := Record{V: 3, Seq: 1, Time: fixedNow(), Type: RecRunStart, Run: &RunInfo{ID: testRunID, Command: "repair"}}
	startLine := line(start)
	_, startMAC, _ := unseal(bytes.TrimSuffix(startLine, []byte("\n")))
	for name, bad := range map[string]Record{
		"no run-end":    {V: 3, Seq: 2, Time: fixedNow(), Type: RecSeal, Count: 1, Outcome: OutcomeSuccess, Prev: startMAC},
		"wrong count":   {V: 3, Seq: 2, Time: fixedNow(), Type: RecSeal, Count: 7, Outcome: OutcomeSuccess, Prev: startMAC},
		"older version": {V: 2, Seq: 2, Time: fixedNow(), Type: RecNote, Prev: startMAC},
	} {
		_, err := ReadJournal(bytes.NewReader(append(append([]byte{}, startLine...), line(bad)...)), key, testRunID)
		if !errors.Is(err, ErrJournalCorrupt) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Journals of the previous format (v2: keyed, no seals) are read as that
// version read them: the last run-end is the outcome. One without a
// run-end is unfinished (a crash under the old version, or a cut one:
// they cannot be told apart), so it is reported, and `rollback` undoes it
// only when the admin names it (internal/app lastUnfinished).
func TestLegacyJournalWithoutSeal(t *testing.T) {
	_, key := testState(t)
	var raw []byte
	prev := ""
	for i, r := range []Record{
		{Type: RecRunStart, Run: &RunInfo{ID: testRunID, Command: "repair", Plans: []string{"reset"}}},
		{Type: RecIntent, Kind: KindServiceStop, Target: "BITS", Prior: &Prior{Status: "Running"}},
		{Type: RecRunEnd, Outcome: OutcomeSuccess},
	} {
		r.V, r.Seq, r.Time, r.Prev = legacyJournalVersion, i+1, fixedNow(), prev
		body, _ := json.Marshal(r)
		var l []byte
		l, prev = seal(body, key)
		raw = append(raw, l...)
	}
	recs, err := ReadJournal(bytes.NewReader(raw), key, testRunID)
	sum := Summarize(testRunID, recs, err)
	if err != nil || !sum.Legacy || sum.Sealed || sum.Outcome != OutcomeSuccess || sum.Unfinished() {
		t.Fatalf("finished v2 journal: %+v, %v", sum, err)
	}
	cut := raw[:bytes.LastIndex(raw[:len(raw)-1], []byte("\n"))+1]
	recs, err = ReadJournal(bytes.NewReader(cut), key, testRunID)
	if sum := Summarize(testRunID, recs, err); err != nil || !sum.Legacy || !sum.Unfinished() {
		t.Fatalf("v2 journal without run-end: %+v, %v", sum, err)
	}
}

// FuzzSealCopy: whatever stands in journal.seal, reading the run never
// panics, and it is either accepted as the journal's own seal or refused
// as a failed verification: never taken for something else.
func FuzzSealCopy(f *testing.F) {
	sd, key := testState(f)
	raw := writeRun(f, sd, key, OutcomeSuccess)
	lines := bytes.SplitAfter(raw, []byte("\n"))
	f.Add(lines[4])
	f.Add(lines[0])
	f.Add([]byte(`{"v":3,"seq":5,"type":"seal","count":4,"mac":"00"}` + "\n"))
	copyPath := filepath.Join(sd.Path, "runs", testRunID, SealName)
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(copyPath, data, 0o600); err != nil {
			t.Fatal(err)
		}
		recs, err := ReadRun(sd, testRunID, key)
		if err != nil && !errors.Is(err, ErrJournalForged) {
			t.Fatalf("unexpected error kind: %v", err)
		}
		if err == nil && !bytes.Equal(data, lines[4]) {
			t.Fatalf("a seal copy that is not the journal's seal was accepted: %q", data)
		}
		if len(recs) != 5 {
			t.Fatalf("%d records", len(recs))
		}
	})
}
