package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wurepair/wurepair/internal/testpwsh"
	"github.com/wurepair/wurepair/tests/fakehost"
)

// Issue 18: wurepair as Intune runs it, every 24 hours with nobody
// watching. The generated Remediations scripts (wurepair export intune)
// run in real pwsh against the real binary and a simulated machine.

// fleet is one simulated device with the exported Intune package.
type fleet struct {
	m    *machine
	pwsh string
	pkg  string // the exported package
	logs string // the IME Logs folder stand-in
}

func newFleet(t *testing.T, scenario string) *fleet {
	t.Helper()
	pwsh := testpwsh.Find(t, "the generated Intune scripts were not run in daily cycles")
	m := newMachine(t, scenario)
	f := &fleet{m: m, pwsh: pwsh, pkg: filepath.Join(m.dir, "pkg"), logs: filepath.Join(m.dir, "imelogs")}
	exe := filepath.Join(m.dir, "wurepair.exe")
	if err := os.WriteFile(exe, []byte("MZ stands for the packaged exe"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := m.runs("export", "intune", f.pkg, "--exe", exe); r.code != 0 {
		// runs appends --state-dir, which export does not take: run it bare.
		cmd := exec.Command(built.wurepair, "export", "intune", f.pkg, "--exe", exe)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("export intune: %v\n%s", err, out)
		}
	}
	if err := os.MkdirAll(f.logs, 0o755); err != nil {
		t.Fatal(err)
	}
	return f
}

// cycleDriver runs one Intune Remediations cycle as the agent does: the
// detection script; when it exits 1, the remediation script. It prints
// one JSON line: both exit codes and output lines.
const cycleDriver = `
param([string]$Detect, [string]$Remediate, [string]$Exe, [string]$Logs)
$ErrorActionPreference = 'Stop'
$d = @(& $Detect -WurepairPath $Exe -LogDirectory $Logs 2>&1)
$dc = $LASTEXITCODE
$r = @(); $rc = -1
if ($dc -eq 1) {
    $r = @(& $Remediate -WurepairPath $Exe -LogDirectory $Logs 2>&1)
    $rc = $LASTEXITCODE
}
Write-Output (ConvertTo-Json -Compress -InputObject @{ detect = $dc; detectOut = ($d -join "|"); remediate = $rc; remediateOut = ($r -join "|") })
`

type cycle struct {
	Detect       int    `json:"detect"`
	DetectOut    string `json:"detectOut"`
	Remediate    int    `json:"remediate"` // -1: not run
	RemediateOut string `json:"remediateOut"`
}

func (f *fleet) cycle(t *testing.T) cycle {
	t.Helper()
	driver := filepath.Join(f.m.dir, "cycle.ps1")
	if err := os.WriteFile(driver, []byte(cycleDriver), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, f.pwsh, "-NoLogo", "-NoProfile", "-NonInteractive", "-File", driver,
		"-Detect", filepath.Join(f.pkg, "Remediations", "Detect-WurepairHealth.ps1"),
		"-Remediate", filepath.Join(f.pkg, "Remediations", "Remediate-WurepairHealth.ps1"),
		"-Exe", built.wurepair, "-Logs", f.logs)
	cmd.Env = append(os.Environ(),
		"WUREPAIR_POWERSHELL="+built.fakehost,
		"WUREPAIR_FAKEHOST_SCENARIO="+f.m.scenario,
		"WUREPAIR_FAKEHOST_STATE="+f.m.state,
		"WUREPAIR_STATE_DIR="+f.m.stateDir,
		"USERNAME=SYSTEM", "USERDOMAIN=NT AUTHORITY", "COMPUTERNAME=SIMULATED")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("cycle: %v\nstdout %s\nstderr %s", err, out.String(), errb.String())
	}
	if errb.Len() != 0 {
		t.Errorf("the scripts wrote to stderr: %s", errb.String())
	}
	var c cycle
	if err := json.Unmarshal(bytes.TrimSpace(out.Bytes()), &c); err != nil {
		t.Fatalf("cycle output %q: %v", out.String(), err)
	}
	return c
}

// errorsComeBack logs a new 0x80070002 in the simulated update log now,
// as a download failure (event 31): the fault the datastore reset fixed
// is back. (An install failure, event 20, with the same code is the
// component store's: issue 15's phase rule.)
func (f *fleet) errorsComeBack(t *testing.T) {
	t.Helper()
	mm := f.m.open()
	// A second later: the log has whole seconds, and an error logged
	// before the repair ended counts as repaired.
	ev := fakehost.UpdateEvent{Time: time.Now().Add(time.Second).UTC().Format(time.RFC3339), EventID: 31, KB: "KB5034441"}
	if err := json.Unmarshal([]byte(`"0x80070002"`), &ev.HResult); err != nil {
		t.Fatal(err)
	}
	mm.State.UpdateLog.Events = append([]fakehost.UpdateEvent{ev}, mm.State.UpdateLog.Events...)
	if err := mm.Save(); err != nil {
		t.Fatal(err)
	}
}

func (f *fleet) successfulRepairs(t *testing.T) int {
	t.Helper()
	r := f.m.runs("runs", "list", "--output", "json")
	var runs []runSummary
	if err := json.Unmarshal([]byte(r.stdout), &runs); err != nil {
		t.Fatalf("runs list: %v %v", err, r)
	}
	n := 0
	for _, run := range runs {
		if run.Outcome == "success" {
			n++
		}
	}
	return n
}

// Ten daily cycles with an update-store error that comes back every day:
// at most K (2) repairs, then detection reports "recurring after repair:
// escalate" and exits 0, so the remediation no longer runs. The log the
// agent collects holds the evidence.
func TestFleetRecurringErrorEscalates(t *testing.T) {
	t.Parallel()
	f := newFleet(t, "0x80070002")
	const k = 2
	repairs := 0
	escalated := 0
	for day := 1; day <= 10; day++ {
		if day > 1 {
			f.errorsComeBack(t)
		}
		c := f.cycle(t)
		t.Logf("day %d: detect %d %q; remediate %d %q", day, c.Detect, c.DetectOut, c.Remediate, c.RemediateOut)
		switch {
		case c.Detect == 1 && c.Remediate == 0:
			repairs++
			if escalated > 0 {
				t.Fatalf("day %d: repaired again after escalating", day)
			}
		case c.Detect == 0 && strings.Contains(c.DetectOut, "recurring after repair: escalate"):
			escalated++
		default:
			t.Fatalf("day %d: unexpected cycle %+v", day, c)
		}
	}
	if repairs != k || escalated != 10-k {
		t.Fatalf("%d repairs, %d escalations; want %d and %d", repairs, escalated, k, 10-k)
	}
	if n := f.successfulRepairs(t); n != k {
		t.Fatalf("%d successful repair runs journaled, want %d", n, k)
	}
	// repair refuses without --force (exit 8) and repairs with it.
	if r := f.m.run("repair", "--yes"); r.code != 8 || !strings.Contains(r.stdout, "recurring after repair: escalate") {
		t.Fatalf("repair after escalation: %v", r)
	}
	if r := f.m.run("diagnose", "--output", "json"); r.code != 0 || !strings.Contains(r.stdout, `"id": "recurring-after-repair"`) ||
		!strings.Contains(r.stdout, `"outcome": "recurring"`) {
		t.Fatalf("diagnose after escalation: %v", r)
	}
	// A wider guard (--escalate-after 3) repairs once more.
	if r := f.m.run("repair", "--yes", "--escalate-after", "3"); r.code != 0 {
		t.Fatalf("repair --escalate-after 3: %v", r)
	}
	if r := f.m.run("repair", "--yes", "--force"); r.code != 0 && r.code != 8 {
		t.Fatalf("repair --force: %v", r)
	}
	// Evidence where the agent collects it: the CMTrace log has the start
	// line, the findings with their evidence, and the exit code.
	raw, err := os.ReadFile(filepath.Join(f.logs, "wurepair-intune.log"))
	if err != nil {
		t.Fatal(err)
	}
	log := string(raw)
	for _, want := range []string{"<![LOG[wurepair ", "started: repair auto", "started: detect", "(account NT AUTHORITY\\SYSTEM)",
		"finding store-reset-errors:", "0x80070002", "repair finished: exit 0", "finding recurring-after-repair",
		"detect: recurring after repair: escalate", "(exit 0)", "changed:"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log the agent collects lacks %q", want)
		}
	}
	// The findings that led to each run are in its journal.
	r := f.m.runs("runs", "list", "--output", "json")
	if !strings.Contains(r.stdout, `"findings": [`) || !strings.Contains(r.stdout, "store-reset-errors") {
		t.Errorf("runs list does not carry the findings of each run: %s", r.stdout)
	}
}

// A run killed mid-plan (agent timeout, reboot) must not block automation:
// the next cycle's detection exits 1, its remediation (repair --recover)
// rolls the killed run back, records that it did, diagnoses afresh and
// repairs; the cycle after that is healthy. No person runs anything.
func TestFleetKilledRunRecovers(t *testing.T) {
	t.Parallel()
	f := newFleet(t, "0x80070002")
	m := f.m
	m.slowScript("Start-WurService", 600_000)
	first := m.start("repair", "auto", "--yes")
	first.waitFor(t, "[5/7] start services again ...")
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := first.cmd.Wait(); err == nil {
		t.Fatal("wurepair survived SIGKILL")
	}
	killed := m.onlyRun()
	if killed.Outcome != "incomplete" {
		t.Fatalf("the killed run: %+v", killed)
	}
	m.fastAgain()

	c := f.cycle(t)
	if c.Detect != 1 || !strings.Contains(c.DetectOut, "did not finish") || c.Remediate != 0 {
		t.Fatalf("the cycle after the kill: %+v", c)
	}
	c = f.cycle(t)
	if c.Detect != 0 || c.Remediate != -1 {
		t.Fatalf("the next cycle is not healthy: %+v", c)
	}
	r := m.runs("runs", "list", "--output", "json")
	var runs []runSummary
	if err := json.Unmarshal([]byte(r.stdout), &runs); err != nil {
		t.Fatal(err)
	}
	outcomes := map[string]string{}
	for _, run := range runs {
		outcomes[run.ID] = run.Outcome
	}
	if outcomes[killed.ID] != "rolled-back" || len(runs) != 2 {
		t.Fatalf("runs after recovery: %+v", runs)
	}
	m.verified(killed.ID)
	show := m.runs("runs", "show", killed.ID)
	if !strings.Contains(show.stdout, "repair --recover") {
		t.Errorf("the killed run's journal does not say repair --recover rolled it back:\n%s", show.stdout)
	}
	for _, run := range runs {
		if run.ID != killed.ID {
			if s := m.runs("runs", "show", run.ID); !strings.Contains(s.stdout, "--recover: rolled back unfinished run "+killed.ID) {
				t.Errorf("the new run's journal does not record the recovery:\n%s", s.stdout)
			}
		}
	}
}

// Cannot tell is never healthy: a probe that fails makes detect exit 1
// with the probe's name, the remediation fail with 10, and diagnose -o
// json carry outcome unknown.
func TestFleetUnknownIsNotHealthy(t *testing.T) {
	t.Parallel()
	f := newFleet(t, "healthy")
	f.m.editMachine(func(machine map[string]any) {
		faults, _ := machine["faults"].(map[string]any)
		if faults == nil {
			faults = map[string]any{}
			machine["faults"] = faults
		}
		faults["scriptFails"] = map[string]any{"Get-WurUpdateErrors": "0x80070005"}
	})
	c := f.cycle(t)
	if c.Detect != 1 || !strings.Contains(c.DetectOut, "cannot tell: probes failed: Get-WurUpdateErrors") || c.Remediate != 10 {
		t.Fatalf("a failed probe: %+v", c)
	}
	r := f.m.run("diagnose", "--output", "json")
	if r.code != 10 || !strings.Contains(r.stdout, `"outcome": "unknown"`) {
		t.Fatalf("diagnose: %v", r)
	}
}

// Not elevated: repair exits 9 (not 1, "failed and rolled back"), and
// nothing changed.
func TestNotElevatedExit9(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "0x80070002")
	raw, err := os.ReadFile(m.scenario)
	if err != nil {
		t.Fatal(err)
	}
	var sc map[string]any
	if err := json.Unmarshal(raw, &sc); err != nil {
		t.Fatal(err)
	}
	sc["host"].(map[string]any)["isAdmin"] = false
	if raw, err = json.Marshal(sc); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(m.scenario, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	before := m.stateBytes()
	for _, args := range [][]string{{"repair", "--yes"}, {"repair", "datastore", "--yes", "--force"}, {"repair", "--dry-run"}} {
		if r := m.run(args...); r.code != 9 || !strings.Contains(r.stdout, "not running elevated") {
			t.Errorf("%v: %v", args, r)
		}
	}
	if m.stateBytes() != before {
		t.Fatal("a refused repair changed the machine")
	}
	if r := m.runs("runs", "list", "--output", "json"); strings.TrimSpace(r.stdout) != "[]" {
		t.Fatalf("a refused repair journaled a run: %v", r)
	}
}

// --max-duration (the ConfigMgr remediation's 540s): auto leaves out the
// component-store repair, which can take hours, and says so; asked for
// by name it runs.
func TestMaxDurationLeavesOutComponents(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "components")
	before := m.stateBytes()
	r := m.run("repair", "auto", "--yes", "--max-duration", "540s")
	if r.code != 1 || !strings.Contains(r.stdout, "left out components") {
		t.Fatalf("repair auto --max-duration: %v", r)
	}
	if m.stateBytes() != before {
		t.Fatal("a refused repair changed the machine")
	}
	if r := m.run("repair", "components", "--yes", "--max-duration", "540s", "--dry-run"); r.code != 0 {
		t.Fatalf("repair components --max-duration (named): %v", r)
	}
}
