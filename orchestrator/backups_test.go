package orchestrator

import (
	"strings"
	"testing"
	"time"

	"github.com/wurepair/wurepair/scripts"
)

// A backup's age is its run's, not its folder's: a rename keeps the
// folder's creation time.
func TestOlderThan(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	b := func(run string) scripts.BackupInfo {
		return scripts.BackupInfo{Path: `C:\Windows\SoftwareDistribution\DataStore.wurepair-` + run, RunId: run, Created: "2019-01-01T00:00:00Z"}
	}
	backups := []scripts.BackupInfo{
		b("20261123T110000Z-aaaaaa"), // an hour old, folder from 2019
		b("20261001T000000Z-bbbbbb"), // 53 days old
		b("manual-copy"),             // no time: kept
		b("2026-11-01-cccccc"),       // not our layout: kept
	}
	old, undated := OlderThan(backups, now.Add(-720*time.Hour))
	if len(old) != 1 || old[0].RunId != "20261001T000000Z-bbbbbb" {
		t.Fatalf("old: %+v", old)
	}
	if len(undated) != 2 {
		t.Fatalf("undated: %+v", undated)
	}
	id, err := NewRunID(now)
	if err != nil {
		t.Fatal(err)
	}
	if made, ok := BackupMade(scripts.BackupInfo{RunId: id}); !ok || !made.Equal(now) {
		t.Fatalf("run id %s made %v %v", id, made, ok)
	}
}

// Which backups prune may delete: a backup whose run has no verified
// journal (none here, or one that fails verification) only when the admin
// names the run; an unfinished run's never (roll it back first); a
// rollback's set-aside by its age.
func TestPlanPruneOrphans(t *testing.T) {
	const (
		done     = "20240101T000000Z-000001"
		orphan   = "20240101T000000Z-000002"
		rejected = "20240101T000000Z-000003"
		crashed  = "20240101T000000Z-000004"
	)
	b := func(run string) scripts.BackupInfo {
		orig := `C:\Windows\SoftwareDistribution\DataStore`
		return scripts.BackupInfo{Path: orig + ".wurepair-" + run, Original: orig, RunId: run}
	}
	runs := []RunSummary{
		{ID: done, Command: "repair", Outcome: OutcomeSuccess, Verified: true, Sealed: true},
		{ID: rejected, Outcome: OutcomeRejected},
		{ID: crashed, Command: "repair", Outcome: OutcomeIncomplete, Verified: true},
	}
	backups := []scripts.BackupInfo{b(done), b(orphan), b(rejected), b(crashed), b("20240101T000000Z-abcdef-rollback")}
	cutoff := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		named []string
		want  string // deleted, in order
	}{
		{nil, done + " 20240101T000000Z-abcdef-rollback"},
		{[]string{orphan}, done + " " + orphan + " 20240101T000000Z-abcdef-rollback"},
		{[]string{orphan, rejected, crashed}, done + " " + orphan + " " + rejected + " 20240101T000000Z-abcdef-rollback"},
	} {
		var got []string
		for _, d := range PlanPrune(backups, runs, cutoff, tc.named) {
			if d.Delete {
				got = append(got, d.Backup.RunId)
			} else if d.Reason == "" {
				t.Errorf("%s kept without a reason", d.Backup.RunId)
			}
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("named %v: deleted %v, want %s", tc.named, got, tc.want)
		}
	}
}
