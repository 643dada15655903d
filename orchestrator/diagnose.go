package orchestrator

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Severity of a finding.
type Severity string

// Severities, most serious first.
const (
	SevError   Severity = "error"
	SevWarning Severity = "warning"
	SevInfo    Severity = "info"
)

// Finding is one thing diagnosis found, with its evidence and the plan that
// fixes it ("" when wurepair has no repair for it: then Advice says what to do).
type Finding struct {
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	Title    string   `json:"title"`
	Evidence []string `json:"evidence"`
	Plan     string   `json:"plan,omitempty"`
	Advice   string   `json:"advice,omitempty"`
}

// Diagnosis is the findings and the plans they justify, in run order.
// Refused are those plans that the facts alone already refuse (a link in
// a folder they would move, a folder that could not be inspected): repair
// would refuse them, so detect and diagnose do not count them as a repair
// that applies, and their findings say what to do by hand.
type Diagnosis struct {
	Findings []Finding `json:"findings"`
	Plans    []string  `json:"plans"`
	Refused  []Refusal `json:"refused,omitempty"`
	// Issue 18 (outcome.go, loopguard.go): what the diagnosis amounts to,
	// the probes it could not rely on, and the plans the loop guard stopped.
	Outcome      string       `json:"outcome"`
	FailedProbes []string     `json:"failedProbes,omitempty"`
	Recurring    []Recurrence `json:"recurring,omitempty"`
}

// Refusal is a justified plan that wurepair will not run here.
type Refusal struct {
	Plan   string `json:"plan"`
	Reason string `json:"reason"` // with the paths, as repair says it
	Advice string `json:"advice"` // what the admin must do by hand
	// Gate is "reboot-pending" for a plan refused until the reboot
	// (repair exits 7; --force overrides), "files-in-use" for one refused
	// while a process it does not stop holds files it would rename
	// (holders.go; repair exits 1); "" for the folder refusals.
	Gate string `json:"gate,omitempty"`
}

// Runnable are the justified plans that are not refused, in run order.
func (d Diagnosis) Runnable() []string {
	var out []string
	for _, p := range d.Plans {
		if !d.refused(p) {
			out = append(out, p)
		}
	}
	return out
}

func (d Diagnosis) refused(plan string) bool {
	return slices.ContainsFunc(d.Refused, func(r Refusal) bool { return r.Plan == plan })
}

// NeedsRepair is true when some finding has a plan wurepair can run.
func (d Diagnosis) NeedsRepair() bool { return len(d.Runnable()) > 0 }

// planOrder is the order plans run in when several are justified: the
// narrow, quick fix first; the component store before the update store it
// may depend on.
var planOrder = []string{"wups2", "components", "datastore", "reset"}

// Diagnose turns facts into findings. It is a pure function of the facts.
func Diagnose(f Facts) Diagnosis {
	var out []Finding
	add := func(fd Finding) { out = append(out, fd) }

	if !f.Host.IsAdmin {
		add(Finding{ID: "not-elevated", Severity: SevWarning, Title: "wurepair is not running elevated",
			Evidence: []string{"the PowerShell host reports no Administrator role"},
			Advice:   "run from an elevated prompt (or as SYSTEM from ConfigMgr/Intune): repairs and the component-store check need it"})
	}
	for name, msg := range f.ProbeErrors {
		add(Finding{ID: "probe-failed", Severity: SevWarning, Title: "a probe failed: " + name, Evidence: []string{msg},
			Advice: "the diagnosis is incomplete; see the log for the script's error"})
	}
	wups2Broken := diagnoseWups2(f, add)
	diagnoseAgent(f, wups2Broken, add)
	diagnoseComponentStore(f, add)
	diagnoseErrors(f, add)
	diagnoseServices(f, add)
	diagnoseFolders(f, add)
	diagnoseReboot(f, add)
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i].Severity) < rank(out[j].Severity) })
	plans := map[string]bool{}
	for _, fd := range out {
		if fd.Plan != "" {
			plans[fd.Plan] = true
		}
	}
	d := Diagnosis{Findings: out, Plans: []string{}}
	if d.Findings == nil {
		d.Findings = []Finding{}
	}
	for _, p := range planOrder {
		if plans[p] {
			d.Plans = append(d.Plans, p)
		}
	}
	// A plan that repair would refuse on these facts is not one that
	// applies: its findings say why and what to do by hand, so an Intune
	// remediation never loops on it.
	for _, p := range d.Plans {
		if r := refuseFolders(&f, p); r != nil {
			d.Refused = append(d.Refused, Refusal{Plan: p, Reason: r.Reason, Advice: r.Advice})
		} else if r := refuseHolders(&f, p); r != nil {
			d.Refused = append(d.Refused, Refusal{Plan: p, Reason: r.Reason, Advice: r.Advice, Gate: gateFilesInUse})
		} else if r := refuseReboot(&f, p); r != nil {
			d.Refused = append(d.Refused, *r)
		}
	}
	// Who holds files those plans would rename (holders.go).
	if fd := diagnoseHolders(&f, d.Plans); fd != nil {
		d.Findings = append(d.Findings, *fd)
		sort.SliceStable(d.Findings, func(i, j int) bool { return rank(d.Findings[i].Severity) < rank(d.Findings[j].Severity) })
	}
	for i, fd := range d.Findings {
		for _, r := range d.Refused {
			if fd.Plan == r.Plan {
				d.Findings[i].Plan = ""
				d.Findings[i].Advice = "wurepair will not repair this automatically (repair " + r.Plan + " is refused): " + r.Advice
			}
		}
	}
	d.SetOutcome(f) // outcome.go
	return d
}

func rank(s Severity) int {
	switch s {
	case SevError:
		return 0
	case SevWarning:
		return 1
	}
	return 2
}

// diagnoseWups2: KB943144. A wups2.dll on disk with no CLSID naming it in
// the same registry view is unregistered, but that alone is no fault: the
// KB943144 plan runs only when the update agent actually fails with a
// registration error (agent-registration class). It returns whether the
// finding explains the agent's failure.
func diagnoseWups2(f Facts, add func(Finding)) bool {
	var evidence []string
	for _, file := range f.Wups2.Files {
		if !file.Exists {
			continue
		}
		registered := false
		for _, r := range f.Wups2.Registrations {
			if r.View == file.View {
				registered = true
				break
			}
		}
		if !registered {
			evidence = append(evidence, fmt.Sprintf("%s exists (version %s) but no CLSID in the %s-bit registry view names it", file.Path, file.Version, file.View))
		}
	}
	if len(evidence) == 0 {
		return false
	}
	_, probeFailed := f.ProbeErrors["Test-WurUpdateAgent"]
	h := uint32(f.Agent.HResult)
	_, class, _ := Classify(h, PhaseUnknown)
	switch {
	case probeFailed:
		add(Finding{ID: "wups2-unregistered", Severity: SevWarning, Title: "wups2.dll is on disk but not registered; whether the agent works is unknown",
			Evidence: append(evidence, "the update agent probe failed, so KB943144 can neither be confirmed nor ruled out"),
			Advice:   "wurepair registers wups2.dll only when the update agent fails with a registration error: fix the probe failure and diagnose again"})
		return false
	case h == 0:
		add(Finding{ID: "wups2-unregistered", Severity: SevInfo, Title: "wups2.dll has no CLSID registration, but the update agent works",
			Evidence: append(evidence, "the update agent's COM API works (Microsoft.Update.Session, CreateUpdateSearcher)"),
			Advice:   "nothing to do: KB943144 applies only when the agent fails; current Windows no longer registers a CLSID for wups2.dll on every build"})
		return false
	case class != ClassAgentRegistration:
		add(Finding{ID: "wups2-unregistered", Severity: SevInfo, Title: "wups2.dll has no CLSID registration; the agent fails for another reason",
			Evidence: append(evidence, fmt.Sprintf("the agent fails with %s (%s), not a registration error: registering wups2.dll would not fix it", FormatHResult(h), class)),
			Advice:   "see the agent finding for what to do; KB943144 does not apply"})
		return false
	}
	evidence = append(evidence, fmt.Sprintf("the update agent's COM API fails with a registration error: %s returned %s", f.Agent.FailedCall, describeCode(h)))
	add(Finding{ID: "wups2-unregistered", Severity: SevError, Title: "wups2.dll is on disk but not registered (KB943144)",
		Evidence: evidence, Plan: "wups2"})
	return true
}

// describeCode writes "0x80040154 REGDB_E_CLASSNOTREG (a COM class is not registered)".
func describeCode(h uint32) string {
	info, ok := LookupCode(h)
	switch {
	case !ok:
		return FormatHResult(h)
	case info.Symbol == "":
		return fmt.Sprintf("%s (%s)", FormatHResult(h), info.Meaning)
	}
	return fmt.Sprintf("%s %s (%s)", FormatHResult(h), info.Symbol, info.Meaning)
}

// diagnoseAgent: only a registration failure (E_NOINTERFACE,
// REGDB_E_CLASSNOTREG, REGDB_E_IIDNOTREG, CO_E_SERVER_EXEC_FAILURE ...)
// leads to the reset plan, which re-registers the agent's DLLs. Access
// denied, out of memory, a full disk, a service shutting down or a
// pending reboot are not fixed by re-registering: the finding names the
// cause and what to do.
func diagnoseAgent(f Facts, explained bool, add func(Finding)) {
	if f.Agent.HResult == 0 || explained {
		return
	}
	h := uint32(f.Agent.HResult)
	call := f.Agent.FailedCall
	if call == "" {
		call = "a call"
	}
	_, class, _ := Classify(h, PhaseUnknown)
	ev := []string{fmt.Sprintf("Microsoft.Update.Session: %s failed with %s (session created %v, searcher created %v, service reached %v)",
		call, describeCode(h), f.Agent.SessionCreated, f.Agent.SearcherCreated, f.Agent.ServiceReached),
		"class: " + string(class)}
	fd := Finding{ID: "agent-broken", Severity: SevError, Title: "the Windows Update agent's COM API does not work", Evidence: ev}
	switch {
	case class != ClassAgentRegistration:
		fd.Advice = fmt.Sprintf("the agent fails with %s, not a registration error, so re-registering its DLLs would not help: %s", FormatHResult(h), class.Advice())
	case f.Component != nil && f.Component.ImageHealthState == "NonRepairable":
		fd.Advice = "the component store cannot be repaired in place: an in-place upgrade (repair install) is needed"
	default:
		fd.Plan = "reset"
		fd.Evidence = append(fd.Evidence, "the update agent's COM registrations (classes, interfaces, their proxy/stubs) are broken: the reset plan re-registers wuapi, wups, wuaueng and the other agent DLLs")
	}
	add(fd)
}

func diagnoseComponentStore(f Facts, add func(Finding)) {
	if f.Component == nil {
		if f.Host.IsAdmin {
			return // the probe failed: reported as probe-failed
		}
		add(Finding{ID: "component-store-unknown", Severity: SevInfo, Title: "component store health not checked",
			Evidence: []string{"Repair-WindowsImage -CheckHealth needs elevation"}, Advice: "run diagnose elevated"})
		return
	}
	switch f.Component.ImageHealthState {
	case "Repairable":
		add(Finding{ID: "component-store-repairable", Severity: SevError, Title: "the component store is damaged and repairable (KB943144 fix 2 on current Windows)",
			Evidence: []string{"Repair-WindowsImage -CheckHealth: ImageHealthState Repairable"}, Plan: "components"})
	case "NonRepairable":
		add(Finding{ID: "component-store-nonrepairable", Severity: SevError, Title: "the component store cannot be repaired in place",
			Evidence: []string{"Repair-WindowsImage -CheckHealth: ImageHealthState NonRepairable"},
			Advice:   "an in-place upgrade (repair install) from matching media is needed; wurepair cannot fix this"})
	}
}

// errorKey is one code in one phase.
type errorKey struct {
	h     uint32
	phase Phase
}

// diagnoseErrors groups the logged HRESULTs by remedy class, keyed on
// (code, phase). Only Windows Update's own services count: events of the
// Microsoft Store, Insider flighting or other services, and Defender
// definition updates, are left out and the finding says so.
func diagnoseErrors(f Facts, add func(Finding)) {
	type group struct {
		codes map[errorKey]int
		kbs   map[string]bool
	}
	groups := map[Class]*group{}
	filtered := map[string]int{}
	repaired := 0 // errors logged before a repair that addresses them
	var lastFix *PastRepair
	for _, ev := range f.Errors.Events {
		h, err := ParseHResult(ev.HResult)
		if err != nil {
			continue
		}
		if svc, own := UpdateService(ev.ServiceId); !own {
			filtered[svc]++
			continue
		}
		if isDefenderKB(ev.KB) {
			filtered["Microsoft Defender updates ("+strings.ToUpper(ev.KB)+")"]++
			continue
		}
		phase := PhaseOfEvent(ev.EventId)
		_, class, _ := Classify(h, phase)
		if class == ClassNotAnError {
			continue
		}
		if fix := fixedSince(f.Repairs, class, ev.TimeCreated); fix != nil {
			repaired++
			if lastFix == nil || fix.Ended.After(lastFix.Ended) {
				lastFix = fix
			}
			continue
		}
		g := groups[class]
		if g == nil {
			g = &group{codes: map[errorKey]int{}, kbs: map[string]bool{}}
			groups[class] = g
		}
		g.codes[errorKey{h, phase}]++
		if ev.KB != "" {
			g.kbs[ev.KB] = true
		}
	}
	nonRepairable := f.Component != nil && f.Component.ImageHealthState == "NonRepairable"
	for _, class := range Classes() {
		g := groups[class]
		if g == nil {
			continue
		}
		keys := make([]errorKey, 0, len(g.codes))
		for k := range g.codes {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if keys[i].h != keys[j].h {
				return keys[i].h < keys[j].h
			}
			return keys[i].phase < keys[j].phase
		})
		var ev []string
		for _, k := range keys {
			phase := string(k.phase)
			if phase == "" {
				phase = "phase unknown"
			}
			ev = append(ev, fmt.Sprintf("%s logged %d time(s) in %d days (%s)", describeCode(k.h), g.codes[k], ErrorDays, phase))
		}
		if len(g.kbs) > 0 {
			kbs := make([]string, 0, len(g.kbs))
			for kb := range g.kbs {
				kbs = append(kbs, kb)
			}
			sort.Strings(kbs)
			ev = append(ev, "updates: "+strings.Join(kbs, ", "))
		}
		fd := Finding{ID: string(class) + "-errors", Severity: SevError, Evidence: ev, Plan: class.Plan(f.RepairSource != "")}
		switch class {
		case ClassStoreReset:
			fd.Title = "update store errors that a DataStore/Download reset fixes (0x80070002 family)"
		case ClassComponentStoreRepair:
			fd.Title = "component store errors: a DataStore reset would not fix these"
		case ClassRepairSource:
			fd.Title = "the component store repair has no source to repair from"
			if fd.Plan != "" {
				fd.Evidence = append(fd.Evidence, "--source "+f.RepairSource+" gives RestoreHealth its files")
			}
		case ClassAgentRegistration:
			fd.Title = "update agent registration errors"
		case ClassInvestigate:
			fd.Title, fd.Severity = "update errors with no known remedy: look them up before repairing", SevInfo
		case ClassTransientRetry:
			fd.Title, fd.Severity = "update errors that pass by themselves", SevInfo
		default:
			fd.Title, fd.Severity = "update errors that no repair by wurepair fixes ("+string(class)+")", SevWarning
		}
		if fd.Plan != "" && nonRepairable && class != ClassStoreReset {
			fd.Plan = ""
			fd.Advice = "the component store cannot be repaired in place: an in-place upgrade (repair install) is needed"
		} else if fd.Plan == "" {
			fd.Advice = class.Advice()
		}
		add(fd)
	}
	if lastFix != nil {
		add(Finding{ID: "errors-already-repaired", Severity: SevInfo, Title: "update errors logged before a wurepair repair that addresses them",
			Evidence: []string{fmt.Sprintf("%d logged error(s) predate a successful repair; the latest: run %s (%s, ended %s)",
				repaired, lastFix.Run, lastFix.Plan, lastFix.Ended.UTC().Format(time.RFC3339))},
			Advice: "retry the update: errors logged after the repair would be diagnosed again"})
	}
	if len(filtered) > 0 {
		names := make([]string, 0, len(filtered))
		for n := range filtered {
			names = append(names, n)
		}
		sort.Strings(names)
		var ev []string
		for _, n := range names {
			ev = append(ev, fmt.Sprintf("%s: %d failure event(s) left out", n, filtered[n]))
		}
		add(Finding{ID: "update-errors-filtered", Severity: SevInfo, Title: "update failures of other services were not counted",
			Evidence: ev, Advice: "only Windows Update's own services (Windows Update, Microsoft Update, WSUS) justify a repair of the OS update store; a Store app or Defender definition failure does not"})
	}
}

// classPlans are the plans that address each class's errors.
func classPlans(c Class) []string {
	switch c {
	case ClassStoreReset:
		return []string{"datastore", "reset"}
	case ClassComponentStoreRepair, ClassRepairSource:
		return []string{"components"}
	case ClassAgentRegistration:
		return []string{"reset"}
	}
	return nil
}

// fixedSince returns the latest successful repair that addresses class
// and ended after the event was logged, or nil. An event whose time does
// not parse is never taken as repaired.
func fixedSince(repairs []PastRepair, class Class, logged string) *PastRepair {
	t, err := time.Parse(time.RFC3339, logged)
	if err != nil {
		return nil
	}
	var best *PastRepair
	for i, r := range repairs {
		if !slices.Contains(classPlans(class), r.Plan) || !r.Ended.After(t) {
			continue
		}
		if best == nil || r.Ended.After(best.Ended) {
			best = &repairs[i]
		}
	}
	return best
}

func diagnoseServices(f Facts, add func(Finding)) {
	if f.WmiHResult != 0 {
		// Only process ids come from WMI: the service steps go on with the
		// Service Control Manager's data, so this blocks no plan.
		add(Finding{ID: "wmi-unavailable", Severity: SevInfo, Title: "WMI did not answer (hung or damaged repository)",
			Evidence: []string{"Get-CimInstance Win32_Service failed or ran into its timeout: HRESULT " + FormatHResult(uint32(f.WmiHResult))},
			Advice:   "service process ids are unknown; status and start types come from the Service Control Manager. Check the winmgmt service and the WMI repository (winmgmt /verifyrepository)"})
	}
	for _, name := range []string{"wuauserv", "BITS", "CryptSvc"} {
		s := f.Service(name)
		switch {
		case s == nil:
			continue
		case !s.Exists:
			add(Finding{ID: "service-missing", Severity: SevError, Title: name + " is not installed",
				Evidence: []string{"Get-Service finds no " + name}, Advice: "the OS is damaged beyond a reset: repair install"})
		case s.StartType == "Disabled":
			add(Finding{ID: "service-disabled", Severity: SevWarning, Title: name + " is disabled (updates fail with 0x80070422)",
				Evidence: []string{name + " start type: Disabled"},
				Advice:   "if no policy disabled it on purpose, set it back to its default start type; wurepair never changes a start type it did not record"})
		}
	}
}

// diagnoseFolders reports the links and the folders that could not be
// inspected in the folders wurepair resets, each path once (a link inside
// DataStore is inside SoftwareDistribution too).
func diagnoseFolders(f Facts, add func(Finding)) {
	var links, unreadable []string
	addOnce := func(list []string, p string) []string {
		if slices.ContainsFunc(list, func(q string) bool { return strings.EqualFold(p, q) }) {
			return list
		}
		return append(list, p)
	}
	for _, name := range []string{"SoftwareDistribution", "DataStore", "Download", "catroot2", "Downloader"} {
		fo := f.Folder(name)
		if fo == nil {
			continue
		}
		if fo.IsReparsePoint {
			links = addOnce(links, fo.Path)
		}
		for _, p := range fo.ReparsePoints {
			links = addOnce(links, p)
		}
		for _, p := range fo.Unreadable {
			unreadable = addOnce(unreadable, p)
		}
	}
	if len(links) > 0 {
		add(Finding{ID: "reparse-point", Severity: SevWarning, Title: "junctions or symbolic links in the folders wurepair resets",
			Evidence: links, Advice: "wurepair never renames, moves or follows them: check where each one points and remove it by hand"})
	}
	if len(unreadable) > 0 {
		add(Finding{ID: "folders-unreadable", Severity: SevWarning, Title: "folders wurepair could not inspect (access denied or path too long)",
			Evidence: unreadable, Advice: "a junction or link could hide there, so no plan moves the folders holding them: make them readable to SYSTEM and Administrators, or shorten their paths"})
	}
}

// diagnoseReboot: every servicing reason (CBS RebootPending,
// RebootInProgress, PackagesPending, pending.xml, WU RebootRequired and
// Services\Pending, UpdateExeVolatile) means servicing waits for a
// reboot, and repair refuses components, datastore and reset until then;
// the file-rename queues alone do not (antivirus and drivers queue
// renames all the time): they are information.
func diagnoseReboot(f Facts, add func(Finding)) {
	switch {
	case f.Reboot.RebootPending:
		add(Finding{ID: "reboot-pending", Severity: SevWarning, Title: "Windows servicing waits for a reboot",
			Evidence: []string{"reasons: " + strings.Join(f.Reboot.Reasons, ", ")},
			Advice:   "reboot first: pending operations cause 0x80070BC9 and can undo a repair; wurepair refuses components, datastore and reset until then (exit 7; --force overrides)"})
	case len(f.Reboot.Reasons) > 0:
		add(Finding{ID: "pending-file-renames", Severity: SevInfo, Title: "file renames are queued for the next boot",
			Evidence: []string{"reasons: " + strings.Join(f.Reboot.Reasons, ", ")},
			Advice:   "no reboot is required for Windows Update: antivirus, drivers and installers queue renames too"})
	}
}
