package e2e

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Issue 19, item 7: the reset stopped AppIDSvc, which switches AppLocker
// enforcement off for the whole reset window. Where AppIDSvc runs, the
// reset now stops neither it nor CryptSvc (AppIDSvc depends on CryptSvc:
// stopping CryptSvc stops it too), leaves catroot2 alone and journals
// why; AppIDSvc never appears as a stopped service or dependent. Where it
// does not run, CryptSvc is stopped and catroot2 reset as before.
func TestResetNeverStopsAppIDSvc(t *testing.T) {
	t.Parallel()
	for _, running := range []bool{true, false} {
		t.Run(map[bool]string{true: "AppLocker on", false: "AppIDSvc stopped"}[running], func(t *testing.T) {
			t.Parallel()
			m := newMachine(t, "0x80070002")
			if running {
				m.editMachine(func(machine map[string]any) {
					s := machine["services"].(map[string]any)["AppIDSvc"].(map[string]any)
					s["status"], s["processId"] = "Running", 3120
				})
			}
			dry := m.run("repair", "reset", "--dry-run")
			if dry.code != 0 || strings.Contains(dry.stdout, "stop service AppIDSvc") {
				t.Fatalf("dry run: %v", dry)
			}
			if r := m.run("repair", "reset", "--yes"); r.code != 0 {
				t.Fatalf("reset: %v", r)
			}
			run := m.onlyRun()
			stoppedCrypt, noted := false, false
			for _, rec := range journalRecords(t, filepath.Join(m.stateDir, "runs", run.ID, "journal.jsonl")) {
				if rec.Type == "intent" && rec.Kind == "service-stop" && rec.Target == "AppIDSvc" || slices.Contains(rec.Dependents, "AppIDSvc") {
					t.Fatalf("the reset stopped AppIDSvc: %+v", rec)
				}
				stoppedCrypt = stoppedCrypt || rec.Type == "intent" && rec.Kind == "service-stop" && rec.Target == "CryptSvc"
				noted = noted || rec.Type == "note" && strings.Contains(rec.Detail, "AppIDSvc (AppLocker) is running")
			}
			after := m.now()
			_, catroot := after.LookupFile(`C:\Windows\System32\catroot2.wurepair-` + run.ID)
			if running {
				if stoppedCrypt || catroot != nil || !noted || !strings.Contains(dry.stdout, "catroot2 is not reset") {
					t.Fatalf("AppLocker on: CryptSvc stopped %v, catroot2 backed up %v, noted %v\n%s", stoppedCrypt, catroot != nil, noted, dry.stdout)
				}
				if svc := service(t, after, "AppIDSvc"); svc.Status != "Running" {
					t.Fatalf("AppIDSvc is %s", svc.Status)
				}
			} else if !stoppedCrypt || catroot == nil {
				t.Fatalf("AppIDSvc stopped: CryptSvc stopped %v, catroot2 backed up %v", stoppedCrypt, catroot != nil)
			}
		})
	}
}

type journalLine struct {
	Type       string   `json:"type"`
	Kind       string   `json:"kind"`
	Target     string   `json:"target"`
	Detail     string   `json:"detail"`
	Dependents []string `json:"dependents"`
}

func journalRecords(t *testing.T, path string) []journalLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []journalLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l journalLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out
}
