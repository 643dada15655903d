package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

// Issue 15 on the simulated machine: only Windows Update's own errors
// count, the phase decides, no repair that cannot work, and a pending
// reboot gates the repairs that act under servicing.

// A Microsoft Store app's 0x80070002 is not the OS update store's: no repair.
func TestStoreAppErrorIsNoRepair(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "store-app-0x80070002")
	if r := m.run("diagnose"); r.code != 0 || !strings.Contains(r.stdout, "Microsoft Store: 2 failure event(s) left out") {
		t.Fatalf("diagnose must say what it left out: %v", r)
	}
	if r := m.run("detect"); r.code != 0 {
		t.Fatalf("detect: %v", r)
	}
	if r := m.run("repair", "--yes"); r.code != 0 || !strings.Contains(r.stdout, "nothing to repair") {
		t.Fatalf("repair: %v", r)
	}
	if m.stateBytes() != "" {
		t.Fatal("a Store app's failure changed the machine")
	}
}

// 0x80070002 while installing is the component store's: components, and
// the update store is left alone.
func TestInstallPhaseFileNotFoundRepairsComponents(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "install-0x80070002")
	r := m.run("repair", "--yes")
	if (r.code != 0 && r.code != 3010%256) || !strings.Contains(r.stdout, "plan: components") || strings.Contains(r.stdout, "datastore") {
		t.Fatalf("repair: %v", r)
	}
	st := m.now()
	if st.ComponentStore.State != "Healthy" {
		t.Fatalf("component store %s after the repair", st.ComponentStore.State)
	}
	for p := range st.Files {
		if strings.Contains(p, ".wurepair-") {
			t.Fatalf("the update store was renamed: %s", p)
		}
	}
}

// 0x800F0954 (WSUS has no repair content): without --source no plan (it
// would fail exactly so), advice naming the way out; with --source the
// components plan runs and repairs.
func TestRepairSourceOnlyWithSource(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "repair-source")
	r := m.run("diagnose")
	if r.code != 0 || !strings.Contains(r.stdout, "repair-source-errors") || !strings.Contains(r.stdout, "--source") || strings.Contains(r.stdout, "fix: wurepair repair components") {
		t.Fatalf("diagnose without a source: %v", r)
	}
	if r := m.run("repair", "--yes"); r.code != 0 || !strings.Contains(r.stdout, "nothing to repair") {
		t.Fatalf("repair without a source: %v", r)
	}
	if m.stateBytes() != "" {
		t.Fatal("repair without a source changed the machine")
	}
	r = m.run("repair", "--yes", "--source", `E:\mount\Windows`, "--limit-access")
	if (r.code != 0 && r.code != 3010%256) || !strings.Contains(r.stdout, "plan: components") {
		t.Fatalf("repair with a source: %v", r)
	}
	if st := m.now(); st.ComponentStore.State != "Healthy" {
		t.Fatalf("component store %s after the repair with a source", st.ComponentStore.State)
	}
}

// Servicing waits for a reboot: repair refuses (exit 7, the reasons
// named, nothing changed); --force repairs anyway.
func TestPendingRebootRefusesRepair(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "pending-reboot")
	before := m.now()
	for _, args := range [][]string{{"repair", "--yes"}, {"repair", "datastore", "--yes"}, {"repair", "reset", "--yes"}, {"repair", "components", "--yes"}, {"repair", "--dry-run"}} {
		r := m.run(args...)
		if r.code != 7 || !strings.Contains(r.stdout, "servicing waits for a reboot (CBSRebootPending, PendingXml, WURebootRequired)") || !strings.Contains(r.stdout, "--force") {
			t.Fatalf("%v: want exit 7 naming the reasons: %v", args, r)
		}
	}
	sameMachine(t, "after the refused repairs", before, m.now())
	if r := m.run("detect"); r.code != 0 {
		t.Fatalf("detect must not ask for a repair that repair refuses: %v", r)
	}
	r := m.run("repair", "--yes", "--force")
	if r.code != 0 || !strings.Contains(r.stdout, "plan: datastore") {
		t.Fatalf("repair --force: %v", r)
	}
}

// The agent's COM API fails with access denied: advice naming the cause,
// never a reset.
func TestAgentAccessDeniedIsAdvice(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "agent-access-denied")
	r := m.run("diagnose", "--output", "json")
	var rep struct {
		Findings []struct{ ID, Plan, Advice string }
		Plans    []string
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v: %v", err, r)
	}
	found := false
	for _, f := range rep.Findings {
		if f.ID == "agent-broken" {
			found = true
			if f.Plan != "" || !strings.Contains(f.Advice, "0x80070005") || !strings.Contains(f.Advice, "access was denied") {
				t.Fatalf("agent-broken: %+v", f)
			}
		}
	}
	if !found || len(rep.Plans) != 0 {
		t.Fatalf("findings %+v plans %v", rep.Findings, rep.Plans)
	}
	if r := m.run("repair", "--yes"); r.code != 0 || !strings.Contains(r.stdout, "nothing to repair") {
		t.Fatalf("repair: %v", r)
	}
}
