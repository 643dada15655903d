package orchestrator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/wurepair/wurepair/scripts"
)

// Step is one stage of a plan (Packer multistep style). Run changes the
// machine only through Run's journaled methods, so undo is per journaled
// change (undo.go), not per step: a crash mid-step loses nothing.
// Describe says, from the facts, exactly what Run would change: that is
// what --dry-run prints.
type Step interface {
	Name() string
	Describe(f *Facts) []string
	Run(ctx context.Context, r *Run) error
}

// stopServices stops the named services in order (running ones only).
type stopServices struct{ names []string }

func (s stopServices) Name() string { return "stop " + strings.Join(s.names, ", ") }

func (s stopServices) Describe(f *Facts) []string {
	var out []string
	for _, n := range s.names {
		svc := f.Service(n)
		switch {
		case svc == nil || !svc.Exists:
			out = append(out, fmt.Sprintf("%s: not installed, nothing to stop", n))
		case svc.Status == "Stopped":
			out = append(out, fmt.Sprintf("%s: already stopped, left alone", n))
		default:
			out = append(out, fmt.Sprintf("stop service %s (%s, process id %d, start type %s kept)", n, svc.Status, svc.ProcessId, startTypeText(*svc)))
		}
	}
	return out
}

func (s stopServices) Run(ctx context.Context, r *Run) error {
	for _, n := range s.names {
		if err := r.stopService(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

func startTypeText(s scripts.ServiceInfo) string {
	if s.StartType == "Automatic" && s.DelayedAutoStart {
		return "Automatic (delayed)"
	}
	return s.StartType
}

// ensureStopped checks, right before renaming, that a trigger-started
// service has not come back (UsoSvc is stopped first, but WaaSMedicSvc and
// the UpdateOrchestrator "Schedule Scan" task start wuauserv too), and
// stops it again once if it has. If it is back after that as well, the
// plan refuses before renaming anything: a third stop would only race the
// trigger, and a rename under a running wuauserv fails or, worse, moves a
// DataStore it is writing.
type ensureStopped struct{ name string }

func (s ensureStopped) Name() string { return "check " + s.name + " is still stopped" }

func (s ensureStopped) Describe(*Facts) []string {
	return []string{fmt.Sprintf("check %s has not been restarted by a trigger (UsoSvc, WaaSMedicSvc, a scheduled scan); stop it again once if so, "+
		"and refuse before renaming anything if it comes back again", s.name)}
}

func (s ensureStopped) Run(ctx context.Context, r *Run) error {
	svc, err := r.serviceNow(ctx, s.name)
	if err != nil || !svc.Exists || svc.Status == "Stopped" {
		return err
	}
	if err := r.note(fmt.Sprintf("%s is %s again (process id %d): a trigger restarted it; stopping it again", s.name, svc.Status, svc.ProcessId)); err != nil {
		return err
	}
	if err := r.stopService(ctx, s.name); err != nil {
		return err
	}
	svc, err = r.serviceNow(ctx, s.name)
	if err != nil || !svc.Exists || svc.Status == "Stopped" {
		return err
	}
	return &TriggerRestartError{Name: s.name, Status: svc.Status, ProcessID: svc.ProcessId}
}

// TriggerRestartError: a service came back after being stopped twice; the
// plan stopped before renaming anything.
type TriggerRestartError struct {
	Name      string
	Status    string
	ProcessID int
}

func (e *TriggerRestartError) Error() string {
	return fmt.Sprintf("%s came back after being stopped twice (it is %s, process id %d): a trigger keeps starting it "+
		"(WaaSMedicSvc, a scheduled scan in Task Scheduler \\Microsoft\\Windows\\UpdateOrchestrator, or a management agent); "+
		"nothing was renamed; run the repair again when no scan is running", e.Name, e.Status, e.ProcessID)
}

// backupFolders renames folders aside (recreating them empty).
type backupFolders struct{ names []string }

func (s backupFolders) Name() string { return "back up " + strings.Join(s.names, ", ") }

func (s backupFolders) Describe(f *Facts) []string {
	var out []string
	for _, n := range s.names {
		fo := f.Folder(n)
		if fo == nil || !fo.Exists {
			out = append(out, fmt.Sprintf("%s: does not exist, nothing to back up", n))
			continue
		}
		out = append(out, fmt.Sprintf("rename %s (%d files, %s) to %s.wurepair-<run id> and recreate it empty; nothing is deleted",
			fo.Path, fo.Files, humanBytes(fo.Bytes), winBase(fo.Path)))
		if strings.EqualFold(n, "Downloader") {
			out = append(out, bitsQueueWarning)
		}
	}
	return out
}

// bitsQueueWarning: the BITS queue (qmgr*.dat in Downloader) holds every
// BITS job of every user and service. Renaming it aside (Microsoft's
// "Reset Windows Update components manually", step 3 deletes the files)
// is what `bitsadmin /reset /allusers` does: all jobs are gone, not only
// Windows Update's. Only the reset plan does it.
const bitsQueueWarning = "WARNING: this empties the BITS queue (qmgr*.dat): every BITS job on the machine is dropped, " +
	"ConfigMgr client downloads, Delivery Optimization's and other applications' included; their owners must start them again. Only the reset plan does this"

func (s backupFolders) Run(ctx context.Context, r *Run) error {
	for _, n := range s.names {
		fo := r.Facts.Folder(n)
		if fo == nil || !fo.Exists {
			continue
		}
		if err := r.backupFolder(ctx, *fo); err != nil {
			return err
		}
	}
	return nil
}

// registerDlls runs regsvr32 /s on each existing file.
type registerDlls struct {
	files []scripts.DllFile
	// tolerate: exit codes that are not failures (reset: 3 and 4 mean the
	// DLL is not a COM server on this Windows, which is expected).
	tolerate []int
	// registerFailedOK: exit 5 (the DLL's DllRegisterServer failed) is an
	// outcome to report, not a failure (reset: many classic DLLs on
	// Windows 10/11 no longer register themselves this way; servicing
	// owns their registrations).
	registerFailedOK bool
}

func (s registerDlls) Name() string {
	if len(s.files) == 1 {
		return "register " + s.files[0].Name
	}
	return fmt.Sprintf("register %d DLLs", len(s.files))
}

func (s registerDlls) Describe(*Facts) []string {
	var out []string
	for _, f := range s.files {
		out = append(out, fmt.Sprintf("register %s with regsvr32 /s (%s-bit)", f.Path, f.View))
	}
	if len(out) == 0 {
		out = append(out, "no DLL to register")
	}
	return out
}

func (s registerDlls) Run(ctx context.Context, r *Run) error {
	ok := func(code int) bool {
		if code == 0 {
			return true
		}
		for _, t := range s.tolerate {
			if code == t {
				return true
			}
		}
		return false
	}
	for _, f := range s.files {
		if err := r.registerDll(ctx, f.Path, ok, s.registerFailedOK); err != nil {
			return err
		}
	}
	return nil
}

// startAgain restores the services this run stopped to Running, in reverse
// order. Services that were stopped before the run stay stopped.
type startAgain struct{ names []string }

func (s startAgain) Name() string { return "start services again" }

func (s startAgain) Describe(f *Facts) []string {
	var run []string
	for i := len(s.names) - 1; i >= 0; i-- {
		if svc := f.Service(s.names[i]); svc != nil && svc.Exists && svc.Status != "Stopped" {
			run = append(run, s.names[i])
		}
	}
	if len(run) == 0 {
		return []string{"no service to start again"}
	}
	return []string{"start again what was running: " + strings.Join(run, ", ")}
}

func (s startAgain) Run(ctx context.Context, r *Run) error {
	for len(r.stopped) > 0 {
		name := r.stopped[len(r.stopped)-1]
		if err := r.startAgainJournaled(ctx, name); err != nil {
			return err
		}
		// The dependents the stop took down come back too, last stopped
		// first. Not journaled as changes of their own: undoing the
		// service's stop restarts them, undoing its start stops them.
		deps := r.stoppedDeps[name]
		for i := len(deps) - 1; i >= 0; i-- {
			if err := r.startService(ctx, deps[i]); err != nil {
				return fmt.Errorf("dependent %s of %s: %w", deps[i], name, err)
			}
		}
		if len(deps) > 0 {
			if err := r.note(fmt.Sprintf("started again the dependents stopped with %s: %s", name, strings.Join(deps, ", "))); err != nil {
				return err
			}
		}
		delete(r.stoppedDeps, name)
		r.stopped = r.stopped[:len(r.stopped)-1]
	}
	return nil
}

// checkStartTypes verifies every service the run touched still has the
// start type recorded before, and restores it (journaled) if not.
type checkStartTypes struct{}

func (checkStartTypes) Name() string { return "check start types are unchanged" }

func (checkStartTypes) Describe(*Facts) []string {
	return []string{"compare the start type of every service touched with the one recorded before; restore it exactly if it changed"}
}

func (checkStartTypes) Run(ctx context.Context, r *Run) error {
	seen := map[string]bool{}
	for _, rec := range r.Journal.Records() {
		if rec.Type != RecIntent || rec.Kind != KindServiceStop || rec.Prior == nil || seen[rec.Target] {
			continue
		}
		seen[rec.Target] = true
		now, err := r.serviceNow(ctx, rec.Target)
		if err != nil {
			return err
		}
		if now.StartType == rec.Prior.StartType && now.DelayedAutoStart == rec.Prior.DelayedAutoStart {
			continue
		}
		ref, err := r.intent(Record{Kind: KindStartType, Target: rec.Target, Script: "Set-WurServiceStartType",
			Prior: &Prior{StartType: now.StartType, DelayedAutoStart: now.DelayedAutoStart}})
		if err != nil {
			return err
		}
		err = r.setStartType(ctx, rec.Target, rec.Prior.StartType, rec.Prior.DelayedAutoStart)
		if oerr := r.outcome(ref, err, "restored to "+rec.Prior.StartType); err != nil || oerr != nil {
			return errors.Join(err, oerr)
		}
	}
	return nil
}

// exportHistory saves the update history before anything can lose it.
type exportHistory struct{}

func (exportHistory) Name() string { return "save update history" }

func (exportHistory) Describe(*Facts) []string {
	return []string{"save the Windows Update history (QueryHistory) to history.json in the run directory, before the DataStore that holds it is reset; " +
		"COM starts wuauserv for it: a wuauserv that was stopped is stopped again right after"}
}

func (exportHistory) Run(ctx context.Context, r *Run) error {
	// The export reaches the update service through COM
	// (GetTotalHistoryCount), which starts wuauserv when it is stopped: it
	// is a trigger-start service, Stopped most of the time on Windows
	// 10/11. Its state is read before the export and put back right after,
	// so the stop step that follows records what the admin had (Stopped:
	// nothing to journal), and neither the plan nor a rollback starts a
	// service that was stopped.
	wu, err := r.serviceNow(ctx, "wuauserv")
	if err != nil {
		return err
	}
	h, err := call[scripts.UpdateHistoryResult](ctx, r.Host, "Get-WurUpdateHistory", nil)
	if err != nil {
		return err
	}
	if wu.Exists && wu.Status == "Stopped" {
		if err := r.putBackStopped(ctx, "wuauserv", "the history export started wuauserv (COM starts it on demand)"); err != nil {
			return err
		}
	}
	// The history could not be read (wuauserv disabled, a damaged
	// DataStore: often the very fault being repaired). The reset goes on
	// without it: the journal says what was lost and why.
	if !h.Available {
		return r.note(fmt.Sprintf("update history not saved: %s failed with %s; the reset goes on without it (the history in the DataStore backup stays on disk)",
			h.FailedCall, FormatHResult(uint32(h.HResult))))
	}
	raw, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		return err
	}
	path, err := r.writeRunFile("history.json", raw)
	if err != nil {
		return fmt.Errorf("save update history: %w", err)
	}
	ref, err := r.intent(Record{Kind: KindHistoryExport, Target: path, Script: "Get-WurUpdateHistory"})
	if err != nil {
		return err
	}
	return r.outcome(ref, nil, fmt.Sprintf("%d entries", h.Count))
}

// putBackStopped stops a service that was Stopped before a step of this
// run started it as a side effect (COM on demand). It is not a change of
// the run (the service is as it was before), so it is noted, not journaled
// as a stop that a rollback would undo by starting it.
func (r *Run) putBackStopped(ctx context.Context, name, why string) error {
	now, err := r.serviceNow(ctx, name)
	if err != nil || !now.Exists || now.Status == "Stopped" {
		return err
	}
	if _, err := r.stopCall(ctx, name); err != nil {
		return fmt.Errorf("%s; stopping it again as it was: %w", why, err)
	}
	return r.note(why + "; stopped it again: it was Stopped before the run")
}

// writeRunFile writes a new file in the run's folder, never through a link.
func (r *Run) writeRunFile(name string, data []byte) (string, error) {
	if r.State == nil {
		return "", errors.New("no state directory")
	}
	f, err := r.State.OpenFile(os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600, "runs", r.ID, name)
	if err != nil {
		return "", err
	}
	path := f.Name()
	if _, err := f.Write(data); err != nil {
		f.Close()
		return path, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return path, err
	}
	return path, f.Close()
}

// verifyWups2 proves the KB943144 repair: every wups2.dll on disk is
// registered in its view, and the update agent's COM API works.
type verifyWups2 struct{}

func (verifyWups2) Name() string { return "verify wups2 registration and the update agent" }

func (verifyWups2) Describe(*Facts) []string {
	return []string{"check every wups2.dll is registered in its registry view and Microsoft.Update.Session creates a searcher"}
}

func (verifyWups2) Run(ctx context.Context, r *Run) error {
	w, err := call[scripts.Wups2Result](ctx, r.Host, "Get-WurWups2Registration", nil)
	if err != nil {
		return err
	}
	f := Facts{Wups2: w}
	var missing []string
	diagnoseWups2(f, func(fd Finding) { missing = fd.Evidence })
	if len(missing) > 0 {
		return fmt.Errorf("still unregistered after regsvr32: %s", strings.Join(missing, "; "))
	}
	return verifyAgent{}.Run(ctx, r)
}

// verifyAgent: the update agent's COM API works.
type verifyAgent struct{}

func (verifyAgent) Name() string { return "verify the update agent" }

func (verifyAgent) Describe(*Facts) []string {
	return []string{"check Microsoft.Update.Session creates an update searcher and, while wuauserv runs, reaches the update service (GetTotalHistoryCount)"}
}

func (verifyAgent) Run(ctx context.Context, r *Run) error {
	// Reach the update service only if it runs now: a service stopped
	// before the run stays stopped, and COM would start it.
	wu, err := r.serviceNow(ctx, "wuauserv")
	if err != nil {
		return err
	}
	reach := running(&wu)
	a, err := call[scripts.AgentProbeResult](ctx, r.Host, "Test-WurUpdateAgent", map[string]any{"ReachService": reach})
	if err != nil {
		return err
	}
	if a.HResult != 0 || !a.SearcherCreated || reach && !a.ServiceReached {
		return fmt.Errorf("the update agent still fails: %s returned %s", a.FailedCall, FormatHResult(uint32(a.HResult)))
	}
	return nil
}

// verifyBackups: each folder backed up exists again and its backup holds
// the old content.
type verifyBackups struct{ names []string }

func (s verifyBackups) Name() string { return "verify " + strings.Join(s.names, ", ") + " were reset" }

func (s verifyBackups) Describe(*Facts) []string {
	return []string{"check each folder exists again and its backup exists beside it"}
}

func (s verifyBackups) Run(ctx context.Context, r *Run) error {
	sd, err := call[scripts.SoftwareDistributionResult](ctx, r.Host, "Get-WurSoftwareDistribution", nil)
	if err != nil {
		return err
	}
	now := Facts{Folders: sd}
	for _, n := range s.names {
		before := r.Facts.Folder(n)
		if before == nil || !before.Exists {
			continue
		}
		if fo := now.Folder(n); fo == nil || !fo.Exists {
			return fmt.Errorf("%s does not exist after the reset", before.Path)
		}
		want := r.backupPath(before.Path)
		found := false
		for _, b := range sd.Backups {
			if strings.EqualFold(b.Path, want) {
				found = true
			}
		}
		if !found {
			return fmt.Errorf("backup %s is missing", want)
		}
	}
	return nil
}

// repairComponents: KB943144 fix 2 as it exists on supported Windows.
//
// -CheckHealth only reads the flag the last scan left: a store that logged
// CBS errors (the usual reason this plan runs) can read Healthy. So a
// Healthy flag is checked with -ScanHealth before the plan says there is
// nothing to repair.
type repairComponents struct{}

func (repairComponents) Name() string { return "repair the component store" }

func (repairComponents) Describe(f *Facts) []string {
	state := "unknown (not elevated)"
	switch {
	case f.Component != nil:
		state = f.Component.ImageHealthState
	case f.ComponentSkipped != "":
		state = "not checked yet: CheckHealth runs when the plan starts"
	}
	switch state {
	case "Healthy":
		return []string{"CheckHealth reads Healthy, which is only the last scan's flag: scan the store (Repair-WindowsImage -Online -ScanHealth, many minutes) " +
			"and run -RestoreHealth if the scan finds damage; a repair cannot be undone"}
	case "NonRepairable":
		return []string{"component store is NonRepairable: nothing wurepair can do (an in-place upgrade is needed)"}
	}
	return []string{"run Repair-WindowsImage -Online -RestoreHealth (state now: " + state + "); this takes many minutes and cannot be undone"}
}

// sourceAdvice names the options that give RestoreHealth its files.
const sourceAdvice = "pass --source with the Windows folder of a mounted image of the same build and edition " +
	"(e.g. --source E:\\mount\\Windows, or wim:D:\\sources\\install.wim:1), and --limit-access to keep DISM off Windows Update and WSUS"

func (repairComponents) Run(ctx context.Context, r *Run) error {
	h, err := call[scripts.ComponentHealthResult](ctx, r.Host, "Get-WurComponentHealth", nil)
	if err != nil {
		return err
	}
	if h.ImageHealthState == "Healthy" {
		if err := r.note("CheckHealth reads Healthy, the flag of the last scan: scanning the store (ScanHealth)"); err != nil {
			return err
		}
		h, err = call[scripts.ComponentHealthResult](ctx, r.Host, "Get-WurComponentHealth", map[string]any{"Scan": true})
		if err != nil {
			return err
		}
		if err := r.note("ScanHealth: the component store is " + h.ImageHealthState); err != nil {
			return err
		}
	}
	switch h.ImageHealthState {
	case "Healthy":
		return r.note("ScanHealth found the component store Healthy: nothing to repair")
	case "NonRepairable":
		return errors.New("the component store is NonRepairable: an in-place upgrade (repair install) is needed")
	}
	params := map[string]any{}
	if r.Options.Source != "" {
		params["Source"] = r.Options.Source
	}
	if r.Options.LimitAccess {
		params["LimitAccess"] = true
	}
	ref, err := r.intent(Record{Kind: KindComponentFix, Target: "component store", Script: "Repair-WurComponentStore"})
	if err != nil {
		return err
	}
	res, err := call[scripts.ComponentHealthResult](ctx, r.Host, "Repair-WurComponentStore", params)
	if err == nil && res.SourceMissing {
		err = &RepairSourceError{HResult: uint32(res.HResult), Source: r.Options.Source}
	}
	if err == nil && res.ImageHealthState != "Healthy" {
		err = fmt.Errorf("after RestoreHealth the component store is %s", res.ImageHealthState)
	}
	if err != nil {
		return errors.Join(err, r.outcome(ref, err, ""))
	}
	if res.RestartNeeded {
		r.RebootNeeded = true
	}
	return r.outcome(ref, nil, "component store Healthy")
}

// RepairSourceError: RestoreHealth could not get the files it needs
// ("repair source unavailable": 0x800F081F, 0x800F0906, 0x800F0907,
// 0x800F0954).
type RepairSourceError struct {
	HResult uint32
	Source  string // the --source given, if any
}

func (e *RepairSourceError) Error() string {
	why := "repair source unavailable"
	if c, ok := LookupHResult(e.HResult); ok {
		why += " (" + c.Name + ")"
	}
	given := ""
	if e.Source != "" {
		given = fmt.Sprintf("; --source %s did not have them either (a different build or edition?)", e.Source)
	}
	return fmt.Sprintf("RestoreHealth failed with HRESULT %s: %s: Windows Update (or WSUS, or policy) could not supply the repair files%s: %s",
		FormatHResult(e.HResult), why, given, sourceAdvice)
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// winBase returns the last element of a Windows path.
func winBase(p string) string {
	if i := strings.LastIndexAny(p, `\/`); i >= 0 {
		return p[i+1:]
	}
	return p
}
