package orchestrator

import (
	"reflect"
	"strings"
	"testing"

	"github.com/wurepair/wurepair/scripts"
)

func pendingFacts(reasons ...string) Facts {
	f := withEvents(healthyFacts(), "0x80070002")
	f.Reboot = scripts.PendingRebootResult{RebootPending: len(servicingReasons(reasons)) > 0, Reasons: reasons}
	return f
}

// While servicing waits for a reboot, diagnosis does not count the gated
// plans as applying (detect does not loop before the reboot), and repair
// refuses them unless --force.
func TestRebootGate(t *testing.T) {
	cases := []struct {
		name      string
		facts     Facts
		requested string
		force     bool
		refused   []string // the gate's plans; nil: no refusal
		runnable  []string // after the gate
	}{
		{"no reboot pending", pendingFacts(), "auto", false, nil, []string{"datastore"}},
		{"file renames alone do not gate", pendingFacts("PendingFileRename", "PendingFileRename2"), "auto", false, nil, []string{"datastore"}},
		{"CBS RebootPending refuses auto", pendingFacts("CBSRebootPending"), "auto", false, []string{"datastore"}, nil},
		{"pending.xml refuses auto", pendingFacts("PendingXml"), "", false, []string{"datastore"}, nil},
		{"an explicit plan is refused too", pendingFacts("WURebootRequired"), "reset", false, []string{"reset"}, nil},
		{"components is refused", pendingFacts("CBSPackagesPending"), "components", false, []string{"components"}, nil},
		{"wups2 is not gated", pendingFacts("CBSRebootPending"), "wups2", false, nil, nil},
		{"--force overrides", pendingFacts("CBSRebootPending", "UpdateExeVolatile"), "auto", true, []string{"datastore"}, []string{"datastore"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := Diagnose(tc.facts)
			if tc.facts.Reboot.RebootPending && d.NeedsRepair() {
				t.Errorf("diagnosis counts %v as applying while a reboot is pending", d.Runnable())
			}
			got, gate := RebootGate(&tc.facts, d, tc.requested, tc.force)
			switch {
			case tc.refused == nil && gate != nil:
				t.Fatalf("refused: %v", gate)
			case tc.refused != nil && gate == nil:
				t.Fatal("not refused")
			case gate != nil:
				if !reflect.DeepEqual(gate.Plans, tc.refused) || gate.Forced != tc.force {
					t.Errorf("gate %+v, want plans %v forced %v", gate, tc.refused, tc.force)
				}
				if !tc.force && (!strings.Contains(gate.Error(), "refused, nothing changed") || !strings.Contains(gate.Error(), tc.facts.Reboot.Reasons[0]) ||
					!strings.Contains(gate.Error(), "--force")) {
					t.Errorf("message %q does not name the reasons and the way out", gate.Error())
				}
			}
			if tc.requested == "auto" && !reflect.DeepEqual(got.Runnable(), tc.runnable) {
				t.Errorf("runnable after the gate %v, want %v", got.Runnable(), tc.runnable)
			}
		})
	}
}

// The finding of a gated plan says why it does not run and what to do.
func TestRebootGateFinding(t *testing.T) {
	d := Diagnose(pendingFacts("CBSRebootPending"))
	var ids []string
	for _, fd := range d.Findings {
		ids = append(ids, fd.ID)
		if fd.ID == "store-reset-errors" && (fd.Plan != "" || !strings.Contains(fd.Advice, "reboot first")) {
			t.Errorf("gated finding %+v", fd)
		}
	}
	if !sameSet(ids, []string{"reboot-pending", "store-reset-errors"}) || len(d.Refused) != 1 || d.Refused[0].Gate != gateRebootPending {
		t.Fatalf("findings %v refused %+v", ids, d.Refused)
	}
}
