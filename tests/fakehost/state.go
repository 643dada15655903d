package fakehost

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/wurepair/wurepair/scripts"
)

// DefaultNow is the simulated clock of a machine that sets none.
const DefaultNow = "2024-06-01T12:00:00Z"

// MachineState is the whole simulated machine: what the scenario's
// "machine" section and the state file hold. It is deterministic: maps
// serialize with sorted keys and normalize sorts every slice whose order
// carries no meaning, so two equal machines serialize byte-identically.
type MachineState struct {
	// Now is the simulated clock (RFC 3339). It does not advance: event
	// windows, created folders and backup dates are computed from it.
	Now string `json:"now"`
	// Services by name (case-insensitive lookups, canonical case stored).
	Services map[string]*Service `json:"services,omitempty"`
	// Files by full Windows path (case-insensitive lookups like NTFS,
	// canonical case stored). Every folder is listed; a junction's
	// contents are never stored under it (they live at its target).
	Files map[string]*FileEntry `json:"files,omitempty"`
	// CLSID is HKLM\SOFTWARE\Classes\CLSID by registry view: "64" (the
	// native view; the only one on 32-bit Windows) and "32" (WOW6432Node),
	// then CLSID → InprocServer32 default value (REG_EXPAND_SZ allowed).
	CLSID map[string]map[string]string `json:"clsid,omitempty"`
	// DLLs says what regsvr32 does with a DLL, by its full path.
	DLLs map[string]*DLLBehavior `json:"dlls,omitempty"`
	// UpdateLog is Microsoft-Windows-WindowsUpdateClient/Operational.
	UpdateLog UpdateLog `json:"updateLog"`
	// PendingReboot holds the reasons a reboot is pending, as
	// Get-WurPendingReboot names them (rebootReasons).
	PendingReboot []string `json:"pendingReboot,omitempty"`
	// ComponentStore is what Repair-WindowsImage sees and does.
	ComponentStore ComponentStore `json:"componentStore"`
	// Faults are the machine's own misbehaviours (the host's are in the
	// scenario's top-level "faults").
	Faults MachineFaults `json:"faults"`
	// Processes that are not services and keep files open (the update
	// stack's MoUsoCoreWorker.exe, TiWorker.exe, SIHClient.exe), by image
	// name: renaming a folder holding one of their files fails as for a
	// running service; Get-WurFileHolders names them. wurepair never stops
	// a process.
	Processes map[string]*Process `json:"processes,omitempty"`
}

// Process is one running process that is not a service.
type Process struct {
	ProcessID int `json:"processId"`
	// Description is what the Restart Manager reports as its name
	// (strAppName: the file description).
	Description string   `json:"description,omitempty"`
	Holds       []string `json:"holds,omitempty"`
}

// Service is one Win32 service.
type Service struct {
	DisplayName string `json:"displayName,omitempty"` // localized, for warnings only
	// Status is a ServiceControllerStatus name: Running, Stopped,
	// StopPending, StartPending, Paused, PausePending, ContinuePending.
	Status string `json:"status"`
	// StartType is a ServiceStartMode name: Automatic, Manual, Disabled,
	// Boot, System.
	StartType        string `json:"startType"`
	DelayedAutoStart bool   `json:"delayedAutoStart,omitempty"`
	// ProcessID is non-zero exactly when the service is not Stopped.
	ProcessID int `json:"processId,omitempty"`
	// DependsOn names the services it needs; DependentServices derive
	// from it.
	DependsOn []string `json:"dependsOn,omitempty"`
	// Holds lists files the service keeps open while it is not Stopped
	// (renaming a folder holding one fails with a sharing violation) and
	// creates, empty, when it starts and they are missing (their folder
	// existing): wuauserv holds DataStore.edb.
	Holds []string `json:"holds,omitempty"`
	// StopBehavior: "" (or "ok"): stops at once; "hang": stays StopPending
	// and never stops; "ignoresStop": never acknowledges the stop control
	// and stays Running (SCM error 1053); "restartsAfterStop": stops, then a trigger starts
	// it again at once unless UsoSvc is stopped (wuauserv on Windows 10+);
	// "protected": the SCM refuses the stop even to SYSTEM (access denied,
	// 5: WaaSMedicSvc and other protected services); "cannotAcceptControl":
	// refuses it with 1061 (ERROR_SERVICE_CANNOT_ACCEPT_CTRL).
	StopBehavior string `json:"stopBehavior,omitempty"`
	// TriggerRestarts: a trigger wurepair does not stop (WaaSMedicSvc, the
	// UpdateOrchestrator "Schedule Scan" task) starts the service again
	// right after each of its next TriggerRestarts stops, whatever UsoSvc
	// does; each restart uses one up (the count is machine state). The stop
	// itself succeeds: the script saw Stopped.
	TriggerRestarts int `json:"triggerRestarts,omitempty"`
	// StartFails makes every start fail (the service stays Stopped).
	StartFails bool `json:"startFails,omitempty"`
}

// FileEntry is one file, folder or junction.
type FileEntry struct {
	Kind    string `json:"kind"` // file, dir or junction
	Size    int64  `json:"size,omitempty"`
	Version string `json:"version,omitempty"` // FileVersion (DLLs, EXEs)
	Target  string `json:"target,omitempty"`  // junction: where it points (never followed)
	// ReparseTag, on a file or folder, makes it a reparse point that is
	// not a name surrogate (0x80000013 deduplicated, 0x9000xxxx cloud
	// files/OneDrive placeholders, 0x80000017 WOF-compressed): Windows
	// shows FILE_ATTRIBUTE_REPARSE_POINT, but the entry is the data itself,
	// so the scripts count and move it like any file or folder (issue 20
	// item 7; "Reparse Point Tags", learn.microsoft.com/windows/win32/fileio/reparse-point-tags).
	// Name surrogates (junctions, symbolic links) are Kind "junction".
	ReparseTag string `json:"reparseTag,omitempty"`
	// Denied: a folder whose listing is refused (access denied), as a
	// folder whose ACL leaves SYSTEM and Administrators out.
	Denied bool `json:"denied,omitempty"`
	// Security is a folder's DACL as SDDL, as Windows reports it (explicit
	// ACEs, then inherited ones flagged ID; "P" after "D:" when it is
	// protected). The five folders wurepair renames get their Windows
	// defaults (defaultDACL) when the scenario names none; "" is a folder
	// whose DACL is not modelled (only inherited ACEs).
	Security string `json:"security,omitempty"`
	Created  string `json:"created,omitempty"` // RFC 3339; "" means the machine's Now
	// History is the update agent's history, held in DataStore.edb: it
	// moves with the file, so a DataStore reset loses it and a restore
	// brings it back. Only files may hold it.
	History []HistoryRecord `json:"history,omitempty"`
}

// File kinds.
const (
	kindFile     = "file"
	kindDir      = "dir"
	kindJunction = "junction"
)

// DLLBehavior is what `regsvr32 /s` does with one DLL.
type DLLBehavior struct {
	// Registers lists the CLSIDs DllRegisterServer writes (in the registry
	// view of the DLL's folder) when regsvr32 succeeds.
	Registers []string `json:"registers,omitempty"`
	// Regsvr32Exit is regsvr32's exit code: 0 (default) success, 1 bad
	// arguments, 2 OleInitialize failed, 3 LoadLibrary failed, 4
	// GetProcAddress failed (no DllRegisterServer), 5 DllRegisterServer
	// failed (for any reason).
	Regsvr32Exit int `json:"regsvr32Exit,omitempty"`
	// Regsvr32Hangs: regsvr32 (and a child process it started) never
	// exit: Register-WurDll kills the tree after TimeoutSec and reports
	// TimedOut, ExitCode -1.
	Regsvr32Hangs bool `json:"regsvr32Hangs,omitempty"`
}

// UpdateLog is the WindowsUpdateClient operational log.
type UpdateLog struct {
	Available bool          `json:"available"`
	Events    []UpdateEvent `json:"events,omitempty"`
}

// UpdateEvent is one event's named data.
type UpdateEvent struct {
	Time     string  `json:"time"` // RFC 3339
	EventID  int     `json:"eventId"`
	HResult  HResult `json:"hresult"`
	KB       string  `json:"kb,omitempty"` // "KB5034441" or ""
	UpdateID string  `json:"updateId,omitempty"`
	// Service is the event's serviceGuid (lower case, no braces). Real
	// events about an update (install, download) always carry one: an
	// event with an updateId and no service is Windows Update's
	// (WindowsUpdateService); one without an update (a scan) carries none.
	Service string `json:"service,omitempty"`
}

// WindowsUpdateService is the Windows Update service's ServiceID.
const WindowsUpdateService = "9482f4b4-e343-43b6-b170-9a65bc822c77"

// ServiceGUID is the serviceGuid the event carries ("" when none).
func (e UpdateEvent) ServiceGUID() string {
	if e.Service == "" && e.UpdateID != "" {
		return WindowsUpdateService
	}
	return e.Service
}

// errorEventIDs are the Error-level events of the WindowsUpdateClient log:
// installation (20), uninstallation (24), scan (25) and download (31)
// failures. Others (19 installed, 43 started, 44 downloading) are
// informational.
var errorEventIDs = map[int]bool{20: true, 24: true, 25: true, 31: true}

// HistoryRecord is one entry of the update agent's history (QueryHistory).
type HistoryRecord struct {
	Date                string  `json:"date"` // RFC 3339
	Title               string  `json:"title"`
	Operation           int     `json:"operation"`  // 1 install, 2 uninstall
	ResultCode          int     `json:"resultCode"` // 2 succeeded, 3 with errors, 4 failed, 5 aborted
	HResult             HResult `json:"hresult"`
	UpdateID            string  `json:"updateId"`
	RevisionNumber      int     `json:"revisionNumber"`
	ClientApplicationID string  `json:"clientApplicationId"`
}

// ComponentStore is the servicing store Repair-WindowsImage checks.
type ComponentStore struct {
	// State is the store as it is (what -ScanHealth finds): Healthy,
	// Repairable, NonRepairable.
	State string `json:"state"`
	// Flag is what -CheckHealth reports: not the store, only the flag the
	// last scan or servicing operation left (as on Windows). Empty: the
	// same as State (a scan has seen the store as it is). -ScanHealth and
	// -RestoreHealth clear it: what they leave is what CheckHealth reads.
	Flag string `json:"checkHealthFlag,omitempty"`
	// RestoreHealth is what -RestoreHealth does to a Repairable store:
	// "healthy" (repaired), "sourceMissing" (fails 0x800F081F, store
	// unchanged; "sourceDisallowed" 0x800F0907 and "wsusNoContent"
	// 0x800F0954 alike), "nonRepairable" (store becomes NonRepairable).
	RestoreHealth string `json:"restoreHealth"`
	// RestoreHealthWithSource, when set, replaces RestoreHealth for a
	// repair given -Source.
	RestoreHealthWithSource string `json:"restoreHealthWithSource,omitempty"`
	// RestartNeeded is what CheckHealth reports now.
	RestartNeeded bool `json:"restartNeeded,omitempty"`
	// RestartAfterRepair: a successful repair needs a restart (it sets
	// RestartNeeded and the CBSRebootPending reason).
	RestartAfterRepair bool `json:"restartAfterRepair,omitempty"`
}

// checkHealth is what -CheckHealth reports: the flag of the last scan.
func (cs *ComponentStore) checkHealth() string {
	if cs.Flag != "" {
		return cs.Flag
	}
	return cs.State
}

// Component store states and RestoreHealth outcomes.
const (
	storeHealthy       = "Healthy"
	storeRepairable    = "Repairable"
	storeNonRepairable = "NonRepairable"

	outcomeHealthy       = "healthy"
	outcomeSourceMissing = "sourceMissing"
	outcomeNonRepairable = "nonRepairable"
	// The other "repair source unavailable" failures: policy forbids
	// Windows Update as the source (0x800F0907), WSUS has no payload
	// (0x800F0954).
	outcomeSourceDisallowed = "sourceDisallowed"
	outcomeWSUSNoContent    = "wsusNoContent"
)

// sourceUnavailable maps the outcomes that fail for want of repair files to
// their HRESULT.
var sourceUnavailable = map[string]HResult{
	outcomeSourceMissing:    hrSourceMissing,
	outcomeSourceDisallowed: hrSourceDisallowed,
	outcomeWSUSNoContent:    hrWSUSNoContent,
}

// MachineFaults are fault knobs of the simulated machine.
type MachineFaults struct {
	// RenameFails makes Backup-WurFolder's rename of a folder at or under
	// a path fail with an HRESULT (disk full 0x80070070, access denied
	// 0x80070005 ...).
	RenameFails map[string]HResult `json:"renameFails,omitempty"`
	// CrashOnScript ends the host process abruptly (exit code 3, half a
	// reply) on the Nth call of a script, counting across host processes
	// (the count is kept in the state file).
	CrashOnScript *CrashKnob `json:"crashOnScript,omitempty"`
	// SlowMs makes a script take this long (the host sleeps). Past the
	// request's timeout the script is stopped before it changed anything.
	SlowMs map[string]int `json:"slowMs,omitempty"`
	// WMI is how Get-CimInstance fails: "" answers, "hung" runs into its
	// -OperationTimeoutSec, "broken" fails at once (a damaged repository).
	WMI string `json:"wmi,omitempty"`
	// AgentFails makes a call of the update agent's COM API fail with an
	// HRESULT: CreateUpdateSearcher or GetTotalHistoryCount with
	// 0x80004002/0x80040155 (an interface's proxy/stub not registered),
	// QueryHistory with a damaged DataStore's error.
	AgentFails map[string]HResult `json:"agentFails,omitempty"`
	// SecurityFails makes Backup-WurFolder's creation of the folder at a
	// path (with the original's DACL, after the rename) fail with an
	// HRESULT (access denied 0x80070005, disk full 0x80070070 ...): the
	// folder is not recreated and SecurityCopied is false.
	SecurityFails map[string]HResult `json:"securityFails,omitempty"`
	// ScriptFails makes a script throw a terminating error with this
	// HRESULT before it does anything, as a probe does on a machine with
	// broken WMI, registry ACLs or a lockdown policy (0x80070005: access
	// denied). Any script can fail this way on Windows.
	ScriptFails map[string]HResult `json:"scriptFails,omitempty"`
}

// CrashKnob names the call that crashes the host.
type CrashKnob struct {
	Script string `json:"script"`
	Call   int    `json:"call"` // 1 = the first call
	// BeforeRun crashes before the script changed anything; by default the
	// script runs (and its changes are saved), then the reply is cut.
	BeforeRun bool `json:"beforeRun,omitempty"`
}

// The reasons Get-WurPendingReboot reports, in its order.
var rebootReasons = []string{"CBSRebootPending", "CBSRebootInProgress", "CBSPackagesPending", "PendingXml", "WURebootRequired",
	"WUServicesPending", "UpdateExeVolatile", "PendingFileRename", "PendingFileRename2"}

// RebootRequired: every reason but the file renames means servicing
// waits for a restart (antivirus and drivers queue renames all the time).
func RebootRequired(reasons []string) bool {
	for _, r := range reasons {
		if r != "PendingFileRename" && r != "PendingFileRename2" {
			return true
		}
	}
	return false
}

var (
	clsidRe = regexp.MustCompile(`^\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}$`)
	kbRe    = regexp.MustCompile(`^KB[0-9]+$`)
)

var (
	serviceStatuses = []string{"Running", "Stopped", "StopPending", "StartPending", "Paused", "PausePending", "ContinuePending"}
	startTypes      = []string{"Automatic", "Manual", "Disabled", "Boot", "System"}
)

// Clone returns a deep copy.
func (s MachineState) Clone() MachineState {
	raw, err := marshalPlain(s)
	if err != nil {
		panic(err) // every field marshals
	}
	var c MachineState
	if err := json.Unmarshal(raw, &c); err != nil {
		panic(err)
	}
	return c
}

// normalize checks the machine and puts it in canonical form: defaults
// filled, times in UTC, names and paths in canonical case, order-free
// slices sorted, missing parent folders added.
func (s *MachineState) normalize(p HostProfile) error {
	now, err := normTime(s.Now, DefaultNow)
	if err != nil {
		return fmt.Errorf("now: %w", err)
	}
	s.Now = now
	for _, step := range []func(HostProfile) error{s.normServices, s.normFiles, s.normRegistry, s.normDLLs, s.normLog, s.normMisc} {
		if err := step(p); err != nil {
			return err
		}
	}
	return nil
}

func normTime(v, def string) (string, error) {
	if v == "" {
		v = def
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return "", err
	}
	return t.UTC().Format(time.RFC3339), nil
}

func oneOf(v string, set []string) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}

func (s *MachineState) normServices(HostProfile) error {
	if len(s.Services) == 0 {
		s.Services = nil
		return nil
	}
	if k, ok := foldDuplicate(keysOf(s.Services)); ok {
		return fmt.Errorf("services: %q is listed twice (names are case-insensitive)", k)
	}
	for _, name := range sortedKeys(s.Services) {
		svc := s.Services[name]
		if svc == nil {
			return fmt.Errorf("service %s: null", name)
		}
		if !oneOf(svc.Status, serviceStatuses) {
			return fmt.Errorf("service %s: status %q is not one of %v", name, svc.Status, serviceStatuses)
		}
		if !oneOf(svc.StartType, startTypes) {
			return fmt.Errorf("service %s: startType %q is not one of %v", name, svc.StartType, startTypes)
		}
		if (svc.Status == statusStopped) != (svc.ProcessID == 0) {
			return fmt.Errorf("service %s: a %s service must have processId %s", name, svc.Status, map[bool]string{true: "0", false: "> 0"}[svc.Status == statusStopped])
		}
		if svc.ProcessID < 0 {
			return fmt.Errorf("service %s: negative processId", name)
		}
		if svc.TriggerRestarts < 0 {
			return fmt.Errorf("service %s: negative triggerRestarts", name)
		}
		switch svc.StopBehavior {
		case "", "ok":
			svc.StopBehavior = ""
		case behaviorHang, behaviorIgnores, behaviorRestarts, behaviorProtected, behaviorNoControl:
		default:
			return fmt.Errorf("service %s: stopBehavior %q is not ok, hang, ignoresStop, restartsAfterStop, protected or cannotAcceptControl", name, svc.StopBehavior)
		}
		deps := make([]string, 0, len(svc.DependsOn))
		for _, d := range svc.DependsOn {
			key, dep := s.LookupService(d)
			if dep == nil {
				return fmt.Errorf("service %s depends on %q, which is not a service of this machine", name, d)
			}
			if key == name {
				return fmt.Errorf("service %s depends on itself", name)
			}
			deps = append(deps, key)
		}
		svc.DependsOn = sortFold(dedupFold(deps))
		holds := make([]string, 0, len(svc.Holds))
		for _, h := range svc.Holds {
			c, ok := cleanPath(h)
			if !ok || c != h {
				return fmt.Errorf("service %s: holds %q: not a clean absolute path", name, h)
			}
			holds = append(holds, c)
		}
		svc.Holds = sortFold(dedupFold(holds))
	}
	for _, name := range sortedKeys(s.Services) {
		if cycle := s.dependencyCycle(name, nil); cycle != nil {
			return fmt.Errorf("services: dependency cycle %s", strings.Join(cycle, " → "))
		}
	}
	return nil
}

func (s *MachineState) dependencyCycle(name string, path []string) []string {
	for i, p := range path {
		if p == name {
			return append(path[i:], name)
		}
	}
	for _, d := range s.Services[name].DependsOn {
		if c := s.dependencyCycle(d, append(path, name)); c != nil {
			return c
		}
	}
	return nil
}

func (s *MachineState) normFiles(p HostProfile) error {
	if len(s.Files) == 0 {
		s.Files = nil
		return nil
	}
	if k, ok := foldDuplicate(keysOf(s.Files)); ok {
		return fmt.Errorf("files: %q is listed twice (paths are case-insensitive)", k)
	}
	for _, path := range sortedKeys(s.Files) {
		if err := s.normFile(path, p); err != nil {
			return fmt.Errorf("file %s: %w", path, err)
		}
	}
	for _, path := range sortedKeys(s.Files) {
		for _, a := range ancestors(path) {
			key, e := s.lookup(a)
			switch {
			case e == nil:
				s.Files[a] = &FileEntry{Kind: kindDir}
			case key != a:
				return fmt.Errorf("file %s: its folder is written %q here and %q elsewhere", path, a, key)
			case e.Kind == kindJunction:
				return fmt.Errorf("file %s is inside the junction %s: a junction's contents live at its target", path, key)
			case e.Kind != kindDir:
				return fmt.Errorf("file %s is inside %s, which is a %s", path, key, e.Kind)
			}
		}
	}
	for path, dacl := range defaultDACL {
		if e := s.Files[path]; e != nil && e.Kind == kindDir && e.Security == "" {
			e.Security = dacl
		}
	}
	return nil
}

func (s *MachineState) normFile(path string, p HostProfile) error {
	e := s.Files[path]
	if e == nil {
		return fmt.Errorf("null entry")
	}
	if c, ok := cleanPath(path); !ok || c != path || isRoot(c) {
		return fmt.Errorf("not a clean absolute path (write it as %q)", c)
	}
	if !p.Is64BitOS && atOrInside(path, sysWOW64) {
		return fmt.Errorf("a 32-bit Windows has no SysWOW64")
	}
	if e.Kind == "" {
		e.Kind = kindFile
	}
	if e.ReparseTag != "" {
		tag, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(e.ReparseTag), "0x"), 16, 32)
		if err != nil || e.Kind == kindJunction || tag&0x20000000 != 0 {
			return fmt.Errorf("reparseTag %q: want a hex tag without the name-surrogate bit 0x20000000 (a link is kind junction)", e.ReparseTag)
		}
	}
	switch e.Kind {
	case kindFile:
		if e.Size < 0 || e.Target != "" {
			return fmt.Errorf("a file has a size ≥ 0 and no target")
		}
	case kindDir, kindJunction:
		if e.Size != 0 || e.Version != "" || len(e.History) > 0 {
			return fmt.Errorf("a %s has no size, version or history", e.Kind)
		}
		if (e.Kind == kindJunction) != (e.Target != "") {
			return fmt.Errorf("a junction, and only a junction, has a target")
		}
		if e.Target != "" {
			c, ok := cleanPath(e.Target)
			if !ok {
				return fmt.Errorf("target %q is not an absolute local path", e.Target)
			}
			e.Target = c
		}
	default:
		return fmt.Errorf("kind %q is not file, dir or junction", e.Kind)
	}
	if e.Security != "" {
		if e.Kind != kindDir {
			return fmt.Errorf("only a folder has a modelled DACL (security)")
		}
		if _, err := explicitDACL(e.Security); err != nil {
			return fmt.Errorf("security: %w", err)
		}
	}
	if e.Created != "" {
		t, err := normTime(e.Created, "")
		if err != nil {
			return fmt.Errorf("created: %w", err)
		}
		e.Created = t
	}
	for i := range e.History {
		h := &e.History[i]
		t, err := normTime(h.Date, "")
		if err != nil {
			return fmt.Errorf("history %d: date: %w", i, err)
		}
		h.Date = t
	}
	sort.SliceStable(e.History, func(i, j int) bool { return e.History[i].Date > e.History[j].Date })
	return nil
}

func (s *MachineState) normRegistry(p HostProfile) error {
	out := map[string]map[string]string{}
	for view, m := range s.CLSID {
		if view != "64" && (view != "32" || !p.Is64BitOS) {
			return fmt.Errorf("clsid: view %q does not exist (\"64\", and \"32\" on 64-bit Windows)", view)
		}
		for id, server := range m {
			u := strings.ToUpper(id)
			if !clsidRe.MatchString(u) {
				return fmt.Errorf("clsid %s: not a CLSID {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}", id)
			}
			if _, dup := out[view][u]; dup {
				return fmt.Errorf("clsid %s: listed twice in view %s", u, view)
			}
			if server == "" {
				return fmt.Errorf("clsid %s: empty InprocServer32", u)
			}
			if out[view] == nil {
				out[view] = map[string]string{}
			}
			out[view][u] = server
		}
	}
	s.CLSID = nil
	if len(out) > 0 {
		s.CLSID = out
	}
	return nil
}

func (s *MachineState) normDLLs(HostProfile) error {
	if k, ok := foldDuplicate(keysOf(s.DLLs)); ok {
		return fmt.Errorf("dlls: %q is listed twice (paths are case-insensitive)", k)
	}
	for path, d := range s.DLLs {
		if c, ok := cleanPath(path); !ok || c != path {
			return fmt.Errorf("dll %s: not a clean absolute path", path)
		}
		if d == nil {
			return fmt.Errorf("dll %s: null", path)
		}
		for i, id := range d.Registers {
			d.Registers[i] = strings.ToUpper(id)
			if !clsidRe.MatchString(d.Registers[i]) {
				return fmt.Errorf("dll %s: registers %q: not a CLSID", path, id)
			}
		}
		d.Registers = dedupFold(d.Registers)
		sort.Strings(d.Registers)
	}
	if len(s.DLLs) == 0 {
		s.DLLs = nil
	}
	return nil
}

func (s *MachineState) normLog(HostProfile) error {
	for i := range s.UpdateLog.Events {
		e := &s.UpdateLog.Events[i]
		t, err := normTime(e.Time, "")
		if err != nil {
			return fmt.Errorf("updateLog event %d: time: %w", i, err)
		}
		e.Time = t
		if e.KB != "" && !kbRe.MatchString(e.KB) {
			return fmt.Errorf("updateLog event %d: kb %q is not KB<digits>", i, e.KB)
		}
		if e.EventID <= 0 {
			return fmt.Errorf("updateLog event %d: eventId must be > 0", i)
		}
	}
	if !s.UpdateLog.Available && len(s.UpdateLog.Events) > 0 {
		return fmt.Errorf("updateLog: an unavailable log has no events")
	}
	ev := s.UpdateLog.Events
	sort.SliceStable(ev, func(i, j int) bool {
		if ev[i].Time != ev[j].Time {
			return ev[i].Time > ev[j].Time
		}
		return ev[i].EventID < ev[j].EventID
	})
	return nil
}

func (s *MachineState) normMisc(HostProfile) error {
	for _, name := range sortedKeys(s.Processes) {
		pr := s.Processes[name]
		if pr == nil || pr.ProcessID <= 0 {
			return fmt.Errorf("process %s: processId must be > 0", name)
		}
		for _, h := range pr.Holds {
			if c, ok := cleanPath(h); !ok || c != h {
				return fmt.Errorf("process %s: holds %q: not a clean absolute path", name, h)
			}
		}
		pr.Holds = sortFold(dedupFold(pr.Holds))
	}
	var reasons []string
	for _, r := range rebootReasons {
		for _, got := range s.PendingReboot {
			if got == r {
				reasons = append(reasons, r)
				break
			}
		}
	}
	for _, got := range s.PendingReboot {
		if !oneOf(got, rebootReasons) {
			return fmt.Errorf("pendingReboot: %q is not one of %v", got, rebootReasons)
		}
	}
	s.PendingReboot = reasons

	cs := &s.ComponentStore
	if cs.State == "" {
		cs.State = storeHealthy
	}
	if cs.RestoreHealth == "" {
		cs.RestoreHealth = outcomeHealthy
	}
	if !oneOf(cs.State, []string{storeHealthy, storeRepairable, storeNonRepairable}) {
		return fmt.Errorf("componentStore: state %q is not Healthy, Repairable or NonRepairable", cs.State)
	}
	if cs.Flag != "" && !oneOf(cs.Flag, []string{storeHealthy, storeRepairable, storeNonRepairable}) {
		return fmt.Errorf("componentStore: checkHealthFlag %q is not Healthy, Repairable or NonRepairable", cs.Flag)
	}
	outcomes := []string{outcomeHealthy, outcomeSourceMissing, outcomeNonRepairable, outcomeSourceDisallowed, outcomeWSUSNoContent}
	if !oneOf(cs.RestoreHealth, outcomes) || cs.RestoreHealthWithSource != "" && !oneOf(cs.RestoreHealthWithSource, outcomes) {
		return fmt.Errorf("componentStore: restoreHealth outcomes are %v", outcomes)
	}

	cat := scripts.MustLoad()
	f := &s.Faults
	fails := map[string]HResult{}
	for path, hr := range f.RenameFails {
		c, ok := cleanPath(path)
		if !ok || c != path {
			return fmt.Errorf("faults.renameFails: %q is not a clean absolute path", path)
		}
		fails[c] = hr
	}
	f.RenameFails = nil
	if len(fails) > 0 {
		f.RenameFails = fails
	}
	secFails := map[string]HResult{}
	for path, hr := range f.SecurityFails {
		c, ok := cleanPath(path)
		if !ok || c != path {
			return fmt.Errorf("faults.securityFails: %q is not a clean absolute path", path)
		}
		secFails[c] = hr
	}
	f.SecurityFails = nil
	if len(secFails) > 0 {
		f.SecurityFails = secFails
	}
	for call := range f.AgentFails {
		if !oneOf(call, agentCalls) {
			return fmt.Errorf("faults.agentFails: %q is not one of %v", call, agentCalls)
		}
	}
	if k := f.CrashOnScript; k != nil {
		if _, ok := cat.Get(k.Script); !ok || k.Call < 1 {
			return fmt.Errorf("faults.crashOnScript: %q call %d: want an embedded script and a call ≥ 1", k.Script, k.Call)
		}
	}
	for name, ms := range f.SlowMs {
		if _, ok := cat.Get(name); !ok || ms < 0 {
			return fmt.Errorf("faults.slowMs: %q: %d: want an embedded script and ms ≥ 0", name, ms)
		}
	}
	if len(f.SlowMs) == 0 {
		f.SlowMs = nil
	}
	return nil
}

// sortedKeys returns a map's keys in byte order (encoding/json's order).
func sortedKeys[V any](m map[string]V) []string {
	out := keysOf(m)
	sort.Strings(out)
	return out
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// foldDuplicate finds two names that differ only in case.
func foldDuplicate(names []string) (string, bool) {
	seen := map[string]bool{}
	sort.Strings(names)
	for _, n := range names {
		l := strings.ToLower(n)
		if seen[l] {
			return n, true
		}
		seen[l] = true
	}
	return "", false
}

func dedupFold(in []string) []string {
	out := make([]string, 0, len(in))
	seen := map[string]bool{}
	for _, v := range in {
		if l := strings.ToLower(v); !seen[l] {
			seen[l] = true
			out = append(out, v)
		}
	}
	return out
}

// sortFold sorts names case-insensitively (ties in byte order).
func sortFold(in []string) []string {
	sort.Slice(in, func(i, j int) bool {
		a, b := strings.ToLower(in[i]), strings.ToLower(in[j])
		if a != b {
			return a < b
		}
		return in[i] < in[j]
	})
	return in
}
