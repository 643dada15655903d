package app

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/wurepair/wurepair/scripts"
)

// Issue 19, item 2: after a run, the state directory was moved away (what
// the exit-5 message tells admins to do) and `backups prune` deleted the
// backups of that run, which had no journal any more: possibly the only
// copy of the original DataStore. A backup whose run has no journal is
// kept unless the admin names the run (--include-orphans); what prune
// deletes is written to the Event Log (event 110), path by path.
func TestPruneKeepsOrphanedBackups(t *testing.T) {
	flags, stateDir := simulated(t, "0x80070002")
	out, errOut, code := runApp(t, append([]string{"repair", "datastore", "--yes"}, flags...)...)
	if code != ExitOK {
		t.Fatalf("repair: exit %d\n%s\n%s", code, out, errOut)
	}
	id := regexp.MustCompile(`(?m)^run (\S+) \(journal`).FindStringSubmatch(out)
	if id == nil {
		t.Fatalf("no run id in:\n%s", out)
	}
	if err := os.Rename(stateDir, stateDir+".moved"); err != nil {
		t.Fatal(err)
	}
	list := func() []scripts.BackupInfo {
		out, errOut, code := runApp(t, "backups", "list", "--output", "json", flags[0], flags[1])
		if code != ExitOK {
			t.Fatalf("backups list: exit %d %s", code, errOut)
		}
		var b []scripts.BackupInfo
		if err := json.Unmarshal([]byte(out), &b); err != nil {
			t.Fatal(err)
		}
		return b
	}
	if n := len(list()); n != 2 {
		t.Fatalf("%d backups after the repair, want 2", n)
	}
	rec := &recordingEventLog{}
	out, errOut, code = runEnv(t, Env{EventLog: rec.open}, append([]string{"backups", "prune", "--older-than", "1ns", "--yes"}, flags...)...)
	if code != ExitOK || strings.Count(out, "keep ") != 2 || !strings.Contains(out, "--include-orphans "+id[1]) || regexp.MustCompile(`(?m)^delete `).MatchString(out) {
		t.Fatalf("prune must keep the backups of a run without a journal: exit %d\n%s\n%s", code, out, errOut)
	}
	if n := len(list()); n != 2 || len(rec.events) != 0 {
		t.Fatalf("after prune: %d backups, events %v", n, rec.ids())
	}
	_, errOut, code = runApp(t, append([]string{"backups", "prune", "--older-than", "1ns", "--yes", "--include-orphans", "nonsense"}, flags...)...)
	if code != ExitUsage || !strings.Contains(errOut, "not a run id") {
		t.Fatalf("a bad --include-orphans: exit %d %s", code, errOut)
	}
	out, errOut, code = runEnv(t, Env{EventLog: rec.open}, append([]string{"backups", "prune", "--older-than", "1ns", "--yes", "--include-orphans", id[1]}, flags...)...)
	if code != ExitOK || len(regexp.MustCompile(`(?m)^delete `).FindAllString(out, -1)) != 2 {
		t.Fatalf("prune naming the orphan: exit %d\n%s\n%s", code, out, errOut)
	}
	if n := len(list()); n != 0 {
		t.Fatalf("%d backups left", n)
	}
	if len(rec.events) != 1 || rec.events[0].ID != EventPruned || rec.events[0].Level != EventInfo {
		t.Fatalf("events %+v, want one %d", rec.events, EventPruned)
	}
	msg := rec.events[0].Message
	for _, want := range []string{"deleted 2 backup(s)", "Command: wurepair backups prune", "Exit code: 0", `Deleted: C:\Windows\SoftwareDistribution\DataStore.wurepair-` + id[1]} {
		if !strings.Contains(msg, want) {
			t.Errorf("event message lacks %q:\n%s", want, msg)
		}
	}
}
