package orchestrator

import (
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
