package orchestrator

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wurepair/wurepair/ps"
	"github.com/wurepair/wurepair/scripts"
)

func healthyFacts() Facts {
	return Facts{
		Host: ps.HostFacts{IsAdmin: true, Is64BitOS: true},
		Services: []scripts.ServiceInfo{
			{Name: "wuauserv", Exists: true, Status: "Running", StartType: "Manual"},
			{Name: "BITS", Exists: true, Status: "Stopped", StartType: "Manual"},
			{Name: "CryptSvc", Exists: true, Status: "Running", StartType: "Automatic"},
		},
		Wups2: scripts.Wups2Result{Is64BitOS: true,
			Files: []scripts.DllFile{
				{Name: "wups2.dll", Path: `C:\Windows\System32\wups2.dll`, Exists: true, View: "64"},
				{Name: "wups2.dll", Path: `C:\Windows\SysWOW64\wups2.dll`, Exists: true, View: "32"},
			},
			Registrations: []scripts.ComRegistration{{Clsid: "{A}", View: "64"}, {Clsid: "{A}", View: "32"}},
		},
		Folders: scripts.SoftwareDistributionResult{Folders: []scripts.FolderInfo{
			{Name: "SoftwareDistribution", Exists: true}, {Name: "DataStore", Exists: true}, {Name: "Download", Exists: true},
			{Name: "catroot2", Exists: true}, {Name: "Downloader", Exists: true},
		}},
		Component: &scripts.ComponentHealthResult{ImageHealthState: "Healthy"},
	}
}

func withEvents(f Facts, codes ...string) Facts {
	for _, c := range codes {
		f.Errors.Events = append(f.Errors.Events, scripts.UpdateErrorEvent{HResult: c, KB: "KB5034441"})
	}
	f.Errors.LogAvailable = true
	return f
}

func withEventsAt(f Facts, at string, codes ...string) Facts {
	f = withEvents(f, codes...)
	for i := range f.Errors.Events {
		f.Errors.Events[i].TimeCreated = at
	}
	return f
}

func TestPastRepairs(t *testing.T) {
	end := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	runs := []RunSummary{
		{ID: "a", Command: "repair", Plans: []string{"wups2", "datastore"}, Outcome: "success", Ended: end, Verified: true},
		{ID: "b", Command: "repair", Plans: []string{"reset"}, Outcome: "rolled-back", Ended: end, Verified: true},
		{ID: "c", Command: "repair", Plans: []string{"reset"}, Outcome: "incomplete", Verified: true},
		{ID: "d", Command: "rollback", Plans: []string{"reset"}, Outcome: "success", Ended: end, Verified: true},
		{ID: "e", Command: "repair", Plans: []string{"components"}, Outcome: OutcomeSuccess, Ended: end, Verified: true}, // reboot pending or not
		{ID: "f", Command: "repair", Plans: []string{"components"}, Outcome: OutcomePartial, Ended: end, Verified: true},
		// A forged "success" (its journal fails verification) is no past repair.
		{ID: "g", Command: "repair", Plans: []string{"datastore"}, Outcome: OutcomeSuccess, Ended: end},
	}
	want := []PastRepair{{Plan: "wups2", Run: "a", Ended: end}, {Plan: "datastore", Run: "a", Ended: end}, {Plan: "components", Run: "e", Ended: end}}
	if got := PastRepairs(runs); !reflect.DeepEqual(got, want) {
		t.Fatalf("%+v", got)
	}
}

func TestDiagnose(t *testing.T) {
	cases := []struct {
		name      string
		facts     func() Facts
		wantIDs   []string
		wantPlans []string
	}{
		{"healthy", healthyFacts, nil, []string{}},
		{"kb943144 x64: both views unregistered", func() Facts {
			f := healthyFacts()
			f.Wups2.Registrations = nil
			f.Agent.HResult = int64(int32(-2147221164)) // 0x80040154
			return f
		}, []string{"wups2-unregistered"}, []string{"wups2"}},
		{"kb943144: only the 32-bit view missing", func() Facts {
			f := healthyFacts()
			f.Wups2.Registrations = f.Wups2.Registrations[:1]
			f.Agent = scripts.AgentProbeResult{SessionCreated: true, FailedCall: "CreateUpdateSearcher", HResult: int64(int32(-2147221164))} // 0x80040154
			return f
		}, []string{"wups2-unregistered"}, []string{"wups2"}},
		{"wups2 CLSID absent on a working agent: information, no plan", func() Facts {
			f := healthyFacts()
			f.Wups2.Registrations = nil
			return f
		}, []string{"wups2-unregistered"}, []string{}},
		{"wups2 CLSID absent, agent fails with access denied: no wups2, advice", func() Facts {
			f := healthyFacts()
			f.Wups2.Registrations = nil
			f.Agent = scripts.AgentProbeResult{FailedCall: "CreateSession", HResult: int64(int32(-2147024891))} // 0x80070005
			return f
		}, []string{"wups2-unregistered", "agent-broken"}, []string{}},
		{"wups2 CLSID absent, agent probe failed: cannot tell, no plan", func() Facts {
			f := healthyFacts()
			f.Wups2.Registrations = nil
			f.ProbeErrors = map[string]string{"Test-WurUpdateAgent": "script failed"}
			return f
		}, []string{"wups2-unregistered", "probe-failed"}, []string{}},
		{"0x80070002 family", func() Facts { return withEvents(healthyFacts(), "0x80070002", "0x80248007") }, []string{"store-reset-errors"}, []string{"datastore"}},
		{"component store repairable with 0x800F081F: components, not datastore", func() Facts {
			f := withEvents(healthyFacts(), "0x800F081F")
			f.Component.ImageHealthState = "Repairable"
			return f
		}, []string{"component-store-repairable", "component-store-repair-errors"}, []string{"components"}},
		{"non-repairable store: advice, no plan", func() Facts {
			f := withEvents(healthyFacts(), "0x800F0831")
			f.Component.ImageHealthState = "NonRepairable"
			return f
		}, []string{"component-store-nonrepairable", "component-store-repair-errors"}, []string{}},
		{"network errors: no reset recommended", func() Facts { return withEvents(healthyFacts(), "0x80072EE2") }, []string{"network-errors"}, []string{}},
		{"disabled service: advice only, never flipped", func() Facts {
			f := healthyFacts()
			f.Services[0].StartType = "Disabled"
			return withEvents(f, "0x80070422")
		}, []string{"service-disabled-errors", "service-disabled"}, []string{}},
		{"unknown code: info only", func() Facts { return withEvents(healthyFacts(), "0x8024A105") }, []string{"investigate-errors"}, []string{}},
		{"junction in DataStore is reported", func() Facts {
			f := withEvents(healthyFacts(), "0x80070002")
			f.Folders.Folders[1].ReparsePoints = []string{`C:\Windows\SoftwareDistribution\DataStore\evil`}
			return f
		}, []string{"store-reset-errors", "reparse-point"}, []string{"datastore"}},
		{"not elevated: warning and no component check", func() Facts {
			f := healthyFacts()
			f.Host.IsAdmin = false
			f.Component = nil
			return f
		}, []string{"not-elevated", "component-store-unknown"}, []string{}},
		{"agent fails with E_FAIL: no registration error, so no reset", func() Facts {
			f := healthyFacts()
			f.Agent.HResult = int64(int32(-2147467259)) // 0x80004005
			return f
		}, []string{"agent-broken"}, []string{}},
		{"agent class not registered with registered wups2: reset", func() Facts {
			f := healthyFacts()
			f.Agent.HResult = int64(int32(-2147221164)) // 0x80040154
			return f
		}, []string{"agent-broken"}, []string{"reset"}},
		{"agent server exec failure: reset", func() Facts {
			f := healthyFacts()
			f.Agent.HResult = int64(int32(-2146959355)) // 0x80080005
			return f
		}, []string{"agent-broken"}, []string{"reset"}},
		{"agent interface not registered (proxy/stub): reset re-registers it", func() Facts {
			f := healthyFacts()
			f.Agent = scripts.AgentProbeResult{SessionCreated: true, SearcherCreated: true, FailedCall: "GetTotalHistoryCount", HResult: int64(int32(-2147467262))} // 0x80004002
			return f
		}, []string{"agent-broken"}, []string{"reset"}},
		{"agent cannot reach a disabled wuauserv: advice, never a reset", func() Facts {
			f := healthyFacts()
			f.Services[0].StartType = "Disabled"
			f.Agent = scripts.AgentProbeResult{SessionCreated: true, SearcherCreated: true, FailedCall: "GetTotalHistoryCount", HResult: int64(int32(-2147023838))} // 0x80070422
			return f
		}, []string{"agent-broken", "service-disabled"}, []string{}},
		{"both KB943144 and 0x80070002: wups2 before datastore", func() Facts {
			f := withEvents(healthyFacts(), "0x80070002")
			f.Wups2.Registrations = nil
			f.Agent.HResult = int64(int32(-2147221164)) // 0x80040154
			return f
		}, []string{"store-reset-errors", "wups2-unregistered"}, []string{"wups2", "datastore"}},
		{"0x80070002 logged before a successful datastore run: history, not a repair", func() Facts {
			f := withEventsAt(healthyFacts(), "2024-05-30T03:12:40.0000000Z", "0x80070002")
			f.Repairs = []PastRepair{{Plan: "datastore", Run: "r1", Ended: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)}}
			return f
		}, []string{"errors-already-repaired"}, []string{}},
		{"a full reset addresses the 0x80070002 family too", func() Facts {
			f := withEventsAt(healthyFacts(), "2024-05-30T03:12:40Z", "0x80070002")
			f.Repairs = []PastRepair{{Plan: "reset", Run: "r1", Ended: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)}}
			return f
		}, []string{"errors-already-repaired"}, []string{}},
		{"logged after the repair: repair again", func() Facts {
			f := withEventsAt(healthyFacts(), "2024-06-02T00:00:00Z", "0x80070002")
			f.Repairs = []PastRepair{{Plan: "datastore", Run: "r1", Ended: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)}}
			return f
		}, []string{"store-reset-errors"}, []string{"datastore"}},
		{"a repair of another kind does not address them", func() Facts {
			f := withEventsAt(healthyFacts(), "2024-05-30T03:12:40Z", "0x800F081F")
			f.Repairs = []PastRepair{{Plan: "datastore", Run: "r1", Ended: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)}}
			return f
		}, []string{"component-store-repair-errors"}, []string{"components"}},
		{"an unreadable event time is never taken as repaired", func() Facts {
			f := withEventsAt(healthyFacts(), "30/05/2024 03:12", "0x80070002")
			f.Repairs = []PastRepair{{Plan: "datastore", Run: "r1", Ended: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)}}
			return f
		}, []string{"store-reset-errors"}, []string{"datastore"}},
		{"reboot pending", func() Facts {
			f := healthyFacts()
			f.Reboot = scripts.PendingRebootResult{RebootPending: true, Reasons: []string{"CBSRebootPending"}}
			return f
		}, []string{"reboot-pending"}, []string{}},
		{"pending file renames alone: information, no reboot required", func() Facts {
			f := healthyFacts()
			f.Reboot = scripts.PendingRebootResult{RebootPending: false, Reasons: []string{"PendingFileRename"}}
			return f
		}, []string{"pending-file-renames"}, []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := Diagnose(tc.facts())
			var ids []string
			for _, f := range d.Findings {
				ids = append(ids, f.ID)
				if f.Plan == "" && f.Advice == "" {
					t.Errorf("finding %s has neither a plan nor advice", f.ID)
				}
				if len(f.Evidence) == 0 {
					t.Errorf("finding %s has no evidence", f.ID)
				}
			}
			if !sameSet(ids, tc.wantIDs) {
				t.Errorf("findings %v, want %v", ids, tc.wantIDs)
			}
			if !reflect.DeepEqual(d.Plans, tc.wantPlans) {
				t.Errorf("plans %v, want %v", d.Plans, tc.wantPlans)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	d := Diagnosis{Plans: []string{"wups2", "datastore"}}
	cases := []struct {
		req  string
		want []string
		err  bool
	}{
		{"auto", []string{"wups2", "datastore"}, false},
		{"datastore", []string{"datastore"}, false},
		{"reset", []string{"reset"}, false},
		{"bogus", nil, true},
	}
	for _, tc := range cases {
		got, err := Resolve(tc.req, d)
		if (err != nil) != tc.err || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Resolve(%q) = %v, %v", tc.req, got, err)
		}
	}
	if _, err := Resolve("auto", Diagnosis{}); err != ErrNothingToDo {
		t.Errorf("healthy auto: %v, want ErrNothingToDo", err)
	}
	if got, _ := Resolve("auto", Diagnosis{Plans: []string{"wups2", "components", "reset"}}); !reflect.DeepEqual(got, []string{"components", "reset"}) {
		t.Errorf("reset supersedes wups2/datastore: got %v", got)
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, v := range m {
		if v != 0 {
			return false
		}
	}
	return true
}

// Issue 15: only registration failures of the agent's COM API lead to
// reset; the others get advice naming the cause.
func TestDiagnoseAgentCause(t *testing.T) {
	cases := []struct {
		hr    uint32
		plan  string
		cause string
	}{
		{0x80004002, "reset", ""},
		{0x80040154, "reset", ""},
		{0x80040155, "reset", ""},
		{0x80080005, "reset", ""},
		{0x80070005, "", "access was denied"},
		{0x8007000E, "", "out of memory"},
		{0x80070070, "", "free space"},
		{0x8007045B, "", "passes by itself"},
		{0x80070BC9, "", "reboot"},
		{0x80070422, "", "disabled"},
	}
	for _, tc := range cases {
		f := healthyFacts()
		f.Agent = scripts.AgentProbeResult{FailedCall: "CreateSession", HResult: int64(int32(tc.hr))}
		d := Diagnose(f)
		if len(d.Findings) != 1 || d.Findings[0].ID != "agent-broken" {
			t.Fatalf("%s: %+v", FormatHResult(tc.hr), d.Findings)
		}
		fd := d.Findings[0]
		if fd.Plan != tc.plan || (tc.cause != "" && (!strings.Contains(fd.Advice, tc.cause) || !strings.Contains(fd.Advice, FormatHResult(tc.hr)))) {
			t.Errorf("%s: plan %q advice %q; want plan %q naming %q", FormatHResult(tc.hr), fd.Plan, fd.Advice, tc.plan, tc.cause)
		}
	}
}

// Issue 9 item 16: the finding names the call that failed and its HRESULT,
// so an unregistered proxy/stub is told apart from a class not registered.
func TestDiagnoseAgentNamesTheCall(t *testing.T) {
	f := healthyFacts()
	f.Agent = scripts.AgentProbeResult{SessionCreated: true, SearcherCreated: true, FailedCall: "GetTotalHistoryCount", HResult: int64(int32(-2147221163))} // 0x80040155
	d := Diagnose(f)
	if len(d.Findings) != 1 || d.Findings[0].ID != "agent-broken" {
		t.Fatalf("%+v", d.Findings)
	}
	ev := strings.Join(d.Findings[0].Evidence, "\n")
	for _, want := range []string{"GetTotalHistoryCount failed with 0x80040155", "proxy/stub"} {
		if !strings.Contains(ev, want) {
			t.Errorf("evidence %q lacks %q", ev, want)
		}
	}
}

// Issue 9 items 18 and 20: a plan that repair would refuse on the facts (a
// link in a folder it would move, a folder that could not be inspected) is
// not a repair that applies: detect and diagnose agree with repair, the
// finding says what to do by hand, and each path is reported once.
func TestDiagnoseRefusedPlans(t *testing.T) {
	const link = `C:\Windows\SoftwareDistribution\DataStore\evil`
	const deep = `C:\Windows\SoftwareDistribution\Download\denied`
	withLink := func() Facts {
		f := withEvents(healthyFacts(), "0x80070002")
		f.Folders.Folders[0].ReparsePoints = []string{link} // SoftwareDistribution sees it too
		f.Folders.Folders[1].ReparsePoints = []string{link}
		return f
	}
	withUnreadable := func() Facts {
		f := withEvents(healthyFacts(), "0x80070002")
		f.Folders.Folders[0].Unreadable = []string{deep}
		f.Folders.Folders[2].Unreadable = []string{deep}
		return f
	}
	for _, tc := range []struct {
		name     string
		facts    Facts
		finding  string
		path     string
		runnable []string
	}{
		{"a link in DataStore", withLink(), "reparse-point", link, nil},
		{"a folder that could not be listed", withUnreadable(), "folders-unreadable", deep, nil},
		{"wups2 still runs beside a refused datastore plan", func() Facts {
			f := withLink()
			f.Wups2.Registrations = nil
			f.Agent.HResult = int64(int32(-2147221164)) // 0x80040154
			return f
		}(), "reparse-point", link, []string{"wups2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Diagnose(tc.facts)
			if !reflect.DeepEqual(d.Runnable(), tc.runnable) || d.NeedsRepair() != (len(tc.runnable) > 0) {
				t.Fatalf("runnable %v, needs repair %v; want %v", d.Runnable(), d.NeedsRepair(), tc.runnable)
			}
			if len(d.Refused) != 1 || d.Refused[0].Plan != "datastore" || !strings.Contains(d.Refused[0].Reason, tc.path) ||
				strings.Contains(d.Refused[0].Advice, tc.path) || !strings.Contains(d.Refused[0].Advice, tc.finding) {
				t.Fatalf("refused %+v", d.Refused)
			}
			seen := 0
			for _, fd := range d.Findings {
				if fd.Plan == "datastore" {
					t.Errorf("finding %s still recommends the refused plan", fd.ID)
				}
				if fd.ID == "store-reset-errors" && !strings.Contains(fd.Advice, "by hand") {
					t.Errorf("store-reset-errors advice %q does not say what to do by hand", fd.Advice)
				}
				for _, e := range fd.Evidence {
					seen += strings.Count(e, tc.path)
				}
				seen += strings.Count(fd.Advice, tc.path)
			}
			if seen != 1 {
				t.Errorf("%s reported %d times, want once: %+v", tc.path, seen, d.Findings)
			}
			// repair auto runs what may run; when nothing may, it gets the
			// refused plans, which BuildSteps refuses with the reason.
			plans, err := Resolve("auto", d)
			want := tc.runnable
			if len(want) == 0 {
				want = []string{"datastore"}
			}
			if err != nil || !reflect.DeepEqual(plans, want) {
				t.Errorf("repair auto: %v %v, want %v", plans, err, want)
			}
			f := tc.facts
			f.Host.IsAdmin = true
			var refused *RefusedError
			if _, err := BuildSteps(context.Background(), nil, &f, []string{"datastore"}); !errors.As(err, &refused) || !strings.Contains(refused.Reason, tc.path) {
				t.Errorf("BuildSteps datastore: %v, want refused naming %s", err, tc.path)
			}
			if _, err := Resolve("datastore", d); err != nil {
				t.Errorf("an explicit plan is still resolved (BuildSteps refuses it): %v", err)
			}
		})
	}
}
