package e2e

import (
	"strings"
	"testing"
)

// Issue 20 item 6: renaming the BITS queue (qmgr*.dat in Downloader) drops
// every BITS job on the machine. Only the reset plan does it, and its dry
// run and `repair --help` say so; the datastore plan never touches it.
func TestBITSQueueOnlyInResetAndSaidSo(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "0x80070002")
	reset := m.run("repair", "reset", "--dry-run")
	if reset.code != 0 || !strings.Contains(reset.stdout, "every BITS job on the machine is dropped") {
		t.Fatalf("the reset dry run does not warn that the BITS queue goes: %v", reset)
	}
	checkGolden(t, "dryrun-reset-0x80070002-text", reset.stdout)
	ds := m.run("repair", "datastore", "--dry-run")
	if ds.code != 0 || strings.Contains(ds.stdout, "Downloader") || strings.Contains(ds.stdout, "BITS job") {
		t.Fatalf("the datastore plan mentions the BITS queue: %v", ds)
	}
	help := m.run("repair", "--help")
	if !strings.Contains(help.stdout+help.stderr, "drops every BITS job on the machine") {
		t.Fatalf("repair --help does not say the reset drops every BITS job: %v", help)
	}
}
