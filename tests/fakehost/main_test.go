package fakehost

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wurepair/wurepair/scripts"
)

// A session of one host process, driven through Main with the exact lines
// wurepair writes.
type session struct {
	t        *testing.T
	scenario string
	state    string
}

func newSession(t *testing.T, name string) *session {
	t.Helper()
	dir := t.TempDir()
	raw, err := os.ReadFile(filepath.Join(scenarioDir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	s := &session{t: t, scenario: filepath.Join(dir, "scenario.json"), state: filepath.Join(dir, "machine.json")}
	if err := os.WriteFile(s.scenario, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return s
}

type wireCall struct {
	name   string
	params map[string]any
}

const testNonce = "0123456789abcdef0123456789abcdef"

// host runs one host process that answers calls, then exits; it returns the
// exit code and the envelopes it answered (a cut reply is not one).
func (s *session) host(calls ...wireCall) (int, []envelope, string) {
	s.t.Helper()
	cat := scripts.MustLoad()
	var in strings.Builder
	in.WriteString("'" + testNonce + ":MODE:' + $ExecutionContext.SessionState.LanguageMode\n")
	in.WriteString(". ([ScriptBlock]::Create([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('" +
		base64.StdEncoding.EncodeToString([]byte(cat.Bootstrap().Text)) + "')))) '" + testNonce + "'\n")
	for i, c := range calls {
		sc, _ := cat.Get(c.name)
		if c.params == nil {
			c.params = map[string]any{}
		}
		req, _ := json.Marshal(map[string]any{"id": string(rune('1' + i)), "name": c.name, "script": sc.Text,
			"params": c.params, "timeoutMs": sc.TimeoutMs, "checkMode": false})
		in.WriteString("Invoke-WurRequest '" + base64.StdEncoding.EncodeToString(req) + "'\n")
	}
	in.WriteString("exit\n")
	var out, errb bytes.Buffer
	env := map[string]string{EnvScenario: s.scenario, EnvState: s.state}
	code := Main(wantArgs, strings.NewReader(in.String()), &out, &errb, func(k string) string { return env[k] })
	var envs []envelope
	for _, line := range strings.Split(out.String(), "\n") {
		parts := strings.SplitN(line, ":", 4)
		if len(parts) != 4 || parts[0] != testNonce || parts[1] == "MODE" || parts[1] == "READY" {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(parts[3])
		if err != nil || strconv.Itoa(len(raw)) != parts[2] {
			continue // a reply cut by a crash
		}
		var e envelope
		if err := json.Unmarshal(raw, &e); err != nil {
			s.t.Fatal(err)
		}
		envs = append(envs, e)
	}
	return code, envs, errb.String()
}

func (s *session) machine() *Machine {
	s.t.Helper()
	m, err := OpenMachine(s.scenario, s.state)
	if err != nil {
		s.t.Fatal(err)
	}
	return m
}

// The machine outlives the host process: what one host changed, the next
// one sees.
func TestStatePersistsAcrossHosts(t *testing.T) {
	s := newSession(t, "0x80070002")
	code, envs, stderr := s.host(wireCall{"Get-WurServiceState", p("Names", []string{"wuauserv"})})
	if code != 0 || len(envs) != 1 || !envs[0].OK {
		t.Fatalf("code %d %+v %s", code, envs, stderr)
	}
	if _, err := os.Stat(s.state); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a probe wrote the state file")
	}
	code, envs, _ = s.host(
		wireCall{"Stop-WurService", p("Name", "UsoSvc", "TimeoutSec", 30)},
		wireCall{"Stop-WurService", p("Name", "wuauserv", "TimeoutSec", 30)},
		wireCall{"Backup-WurFolder", p("Path", dataStoreDir, "BackupPath", dataStoreDir+".wurepair-r1")},
	)
	if code != 0 || len(envs) != 3 || !envs[2].OK {
		t.Fatalf("code %d %+v", code, envs)
	}
	_, envs, _ = s.host(wireCall{"Get-WurServiceState", p("Names", []string{"wuauserv"})}, wireCall{"Get-WurSoftwareDistribution", nil})
	var svc scripts.ServiceStateResult
	remarshal(t, envs[0].Output[0], &svc)
	var sd scripts.SoftwareDistributionResult
	remarshal(t, envs[1].Output[0], &sd)
	if svc.Services[0].Status != "Stopped" || len(sd.Backups) != 1 || sd.Backups[0].RunId != "r1" {
		t.Fatalf("second host sees %+v and %+v", svc, sd.Backups)
	}
	if m := s.machine(); m.State.Files[dataStoreDir+".wurepair-r1"] == nil {
		t.Fatal("state file lacks the backup")
	}
}

func remarshal(t *testing.T, v any, out any) {
	t.Helper()
	raw, _ := json.Marshal(v)
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatal(err)
	}
}

// crash-midplan: the 2nd Backup-WurFolder call ends the host (exit 3, half
// a reply) after its rename; the count survives the host, so the restarted
// host does not crash again.
func TestCrashOnScriptCountsAcrossHosts(t *testing.T) {
	s := newSession(t, "crash-midplan")
	stop := []wireCall{
		{"Stop-WurService", p("Name", "UsoSvc", "TimeoutSec", 30)},
		{"Stop-WurService", p("Name", "wuauserv", "TimeoutSec", 30)},
	}
	code, envs, _ := s.host(append(stop, wireCall{"Backup-WurFolder", p("Path", dataStoreDir, "BackupPath", dataStoreDir+".wurepair-r1")})...)
	if code != 0 || len(envs) != 3 {
		t.Fatalf("first host: %d %+v", code, envs)
	}
	code, envs, stderr := s.host(
		wireCall{"Backup-WurFolder", p("Path", downloadDir, "BackupPath", downloadDir+".wurepair-r1")},
		wireCall{"Get-WurPendingReboot", nil}, // never read: the host is gone
	)
	if code != 3 || len(envs) != 0 || !strings.Contains(stderr, "terminated") {
		t.Fatalf("second host: code %d, %d replies, stderr %q", code, len(envs), stderr)
	}
	m := s.machine()
	if m.ScriptCalls["Backup-WurFolder"] != 2 || m.State.Files[downloadDir+".wurepair-r1"] == nil || m.State.Files[dataStoreDir+".wurepair-r1"] == nil {
		t.Fatalf("after the crash: calls %v", m.ScriptCalls)
	}
	code, envs, _ = s.host(wireCall{"Restore-WurFolder", p("Path", downloadDir, "BackupPath", downloadDir+".wurepair-r1", "SetAsidePath", downloadDir+".wurepair-r1-x")})
	if code != 0 || len(envs) != 1 || !envs[0].OK {
		t.Fatalf("third host: %d %+v", code, envs)
	}
	if n := s.machine().ScriptCalls["Backup-WurFolder"]; n != 2 {
		t.Fatalf("count %d", n)
	}
}

func TestCrashBeforeRun(t *testing.T) {
	s := newSession(t, "0x80070002")
	sc, err := LoadScenario(s.scenario)
	if err != nil {
		t.Fatal(err)
	}
	sc.Machine.Faults.CrashOnScript = &CrashKnob{Script: "Stop-WurService", Call: 1, BeforeRun: true}
	raw, _ := encodeJSON(sc)
	os.WriteFile(s.scenario, raw, 0o644)
	code, _, _ := s.host(wireCall{"Stop-WurService", p("Name", "BITS", "TimeoutSec", 30)})
	if code != 3 {
		t.Fatalf("code %d", code)
	}
	m := s.machine()
	if _, bits := m.State.LookupService("BITS"); bits.Status != statusRunning || m.ScriptCalls["Stop-WurService"] != 1 {
		t.Fatalf("BITS %+v calls %v", bits, m.ScriptCalls)
	}
}
