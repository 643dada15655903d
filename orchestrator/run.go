package orchestrator

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wurepair/wurepair/scripts"
)

// Options tune a run.
type Options struct {
	ServiceTimeoutSec int    // how long a service may take to stop or start; default 60
	Source            string // components: Repair-WindowsImage -Source
	LimitAccess       bool   // components: do not contact Windows Update for repair files
}

// Run is one wurepair run that may change the machine. Every change goes
// through a method here that journals the intent (with the prior state)
// before acting and the outcome after.
type Run struct {
	ID      string
	Dir     string
	State   *StateDir // the trusted state directory the run's folder is in
	Host    *Host
	Journal *Journal
	Facts   *Facts
	Options Options
	// Events, when set, hears about every step (progress lines, logs).
	Events func(Event)

	stopped []string // services stopped and not yet started again, in order
	// stoppedDeps: the running dependents the script stopped with each
	// service, in stop order: started again after it.
	stoppedDeps  map[string][]string
	RebootNeeded bool
	// Notices are outcomes the user must hear about although the run goes
	// on (a protected registration): the repair command prints them.
	Notices []string
	// Backups are the backup folders this run made (kept after success).
	Backups []string
	// Now is the clock (default time.Now): it dates what a rollback sets aside.
	Now func() time.Time

	wmiNoted bool // a WMI failure was journaled (once per run)

	asideID string   // names what this rollback sets aside: dated by the rollback
	plans   []string // the plans of the run being rolled back: what undo may touch
}

// runIDTime is the layout of the time that starts a run id.
const runIDTime = "20060102T150405Z"

// NewRunID makes a sortable, unique run id: 20261123T094512Z-1a2b3c.
// Only [0-9A-Za-z-]: it is part of backup folder names.
func NewRunID(now time.Time) (string, error) {
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return now.UTC().Format(runIDTime) + "-" + hex.EncodeToString(b), nil
}

// ServiceStuckError: a service did not stop (or start): the Service
// Control Manager refused (Win32Error, from the script) or it did not get
// there in time (Win32Error 0).
type ServiceStuckError struct {
	Name       string
	Status     string
	ProcessID  int
	Action     string
	Timeout    int
	Win32Error int
}

func (e *ServiceStuckError) Error() string {
	pid := ""
	if e.ProcessID != 0 { // Start-WurService does not report one
		pid = fmt.Sprintf(" (process id %d)", e.ProcessID)
	}
	if e.Win32Error != 0 {
		// Refused at once: waiting longer (--service-timeout) changes nothing.
		return fmt.Sprintf("service %s could not %s: %s (Win32 error %d); it is %s%s; wurepair killed nothing",
			e.Name, e.Action, scmRefusal(e.Win32Error), e.Win32Error, e.Status, pid)
	}
	return fmt.Sprintf("service %s did not %s within %ds: it is %s%s; wurepair killed nothing", e.Name, e.Action, e.Timeout, e.Status, pid)
}

// scmRefusal says what the Service Control Manager's error means for the
// admin (the code is the NativeErrorCode of the Win32Exception the
// scripts read from ServiceController's exception).
func scmRefusal(code int) string {
	switch code {
	case 5:
		return "it is a protected service (access denied: Windows refuses this even to SYSTEM)"
	case 1051:
		return "services that depend on it are running"
	case 1053:
		return "it did not respond to the control in time"
	case 1056:
		return "it is still running or stopping"
	case 1058:
		return "it is disabled (its start type is the administrator's choice; wurepair does not change it)"
	case 1061:
		return "it cannot accept control messages now (it is starting or stopping)"
	case 1068:
		return "a service it depends on could not start"
	}
	return "the Service Control Manager refused"
}

func (r *Run) timeoutSec() int {
	if r.Options.ServiceTimeoutSec > 0 {
		return r.Options.ServiceTimeoutSec
	}
	return 60
}

// serviceWait is the request timeout of a script that waits for a service
// (Stop-WurService, Start-WurService): the service timeout it waits at most,
// plus the manifest's timeout as the budget of everything else (Get-Service,
// CIM bounded by -OperationTimeoutSec). PowerShell stops the script at
// this timeout; Go kills the host only a margin later (ps.Options.Grace).
// So --service-timeout 3600 never ends a script that is waiting normally.
func (r *Run) serviceWait(script string) time.Duration {
	base := 3 * time.Minute
	if s, ok := r.Host.catalog.Get(script); ok && s.TimeoutMs > 0 {
		base = time.Duration(s.TimeoutMs) * time.Millisecond
	}
	return time.Duration(r.timeoutSec())*time.Second + base
}

// stopCall runs Stop-WurService with the run's service timeout.
func (r *Run) stopCall(ctx context.Context, name string) (scripts.StopServiceResult, error) {
	res, err := callWithin[scripts.StopServiceResult](ctx, r.Host, "Stop-WurService",
		map[string]any{"Name": name, "TimeoutSec": r.timeoutSec(), "StopDependents": true}, r.serviceWait("Stop-WurService"))
	if err == nil {
		r.noteWMI(res.WmiHResult)
	}
	if err == nil && !res.Stopped {
		err = &ServiceStuckError{Name: name, Status: res.Status, ProcessID: res.ProcessId, Action: "stop", Timeout: r.timeoutSec(), Win32Error: res.Win32Error}
	}
	return res, err
}

// noteWMI journals, once per run, that WMI did not answer: process ids
// are unknown, the service steps go on with the SCM's data.
func (r *Run) noteWMI(hr int64) {
	if hr == 0 || r.wmiNoted {
		return
	}
	r.wmiNoted = true
	_ = r.note(fmt.Sprintf("WMI did not answer (HRESULT %s): process ids are unknown; service status and start types come from the Service Control Manager", FormatHResult(uint32(hr))))
}

func (r *Run) sha(name string) string {
	if s, ok := r.Host.catalog.Get(name); ok {
		return s.SHA256
	}
	return ""
}

func (r *Run) intent(rec Record) (int, error) {
	rec.Type = RecIntent
	rec.ScriptSHA256 = r.sha(rec.Script)
	return r.Journal.Append(rec)
}

func (r *Run) outcome(ref int, err error, detail string) error {
	rec := Record{Type: RecDone, Ref: ref, Detail: detail}
	if err != nil {
		rec.Type, rec.Error = RecFailed, err.Error()
	}
	_, jerr := r.Journal.Append(rec)
	return jerr
}

func (r *Run) note(detail string) error {
	_, err := r.Journal.Append(Record{Type: RecNote, Detail: detail})
	return err
}

// serviceNow reads one service's current state.
func (r *Run) serviceNow(ctx context.Context, name string) (scripts.ServiceInfo, error) {
	res, err := call[scripts.ServiceStateResult](ctx, r.Host, "Get-WurServiceState", map[string]any{"Names": []string{name}})
	if err != nil {
		return scripts.ServiceInfo{}, err
	}
	r.noteWMI(res.WmiHResult)
	if len(res.Services) != 1 {
		return scripts.ServiceInfo{}, fmt.Errorf("Get-WurServiceState returned %d services for %s", len(res.Services), name)
	}
	return res.Services[0], nil
}

// stopService stops a running service (and its running dependents),
// journaling its prior status and start type. A stopped or absent service
// is left alone and not journaled.
func (r *Run) stopService(ctx context.Context, name string) error {
	svc, err := r.serviceNow(ctx, name)
	if err != nil {
		return err
	}
	if !svc.Exists || svc.Status == "Stopped" {
		return nil
	}
	ref, err := r.intent(Record{Kind: KindServiceStop, Target: name, Script: "Stop-WurService",
		Prior: &Prior{Status: svc.Status, StartType: svc.StartType, DelayedAutoStart: svc.DelayedAutoStart, ProcessID: svc.ProcessId}})
	if err != nil {
		return err
	}
	res, err := r.stopCall(ctx, name)
	if err != nil {
		return errors.Join(err, r.outcome(ref, err, ""))
	}
	if len(res.StoppedDependents) > 0 {
		if _, err := r.Journal.Append(Record{Type: RecNote, Ref: ref, Dependents: res.StoppedDependents,
			Detail: "stopped running dependents first: " + strings.Join(res.StoppedDependents, ", ")}); err != nil {
			return err
		}
	}
	r.stopped = append(r.stopped, name)
	if len(res.StoppedDependents) > 0 {
		if r.stoppedDeps == nil {
			r.stoppedDeps = map[string][]string{}
		}
		r.stoppedDeps[name] = append(r.stoppedDeps[name], res.StoppedDependents...)
	}
	return r.outcome(ref, nil, "")
}

// setStartType restores a recorded start type through the SCM
// (Set-WurServiceStartType: sc.exe config) and checks what the SCM reports
// afterwards: a start type is restored only when the SCM says so.
func (r *Run) setStartType(ctx context.Context, name, startType string, delayed bool) error {
	res, err := call[scripts.SetStartTypeResult](ctx, r.Host, "Set-WurServiceStartType",
		map[string]any{"Name": name, "StartType": startType, "DelayedAutoStart": delayed})
	if err != nil {
		return err
	}
	want := startTypeOf(Prior{StartType: startType, DelayedAutoStart: delayed})
	got := startTypeOf(Prior{StartType: res.StartType, DelayedAutoStart: res.DelayedAutoStart})
	if !strings.EqualFold(res.StartType, startType) || (strings.EqualFold(startType, "Automatic") && res.DelayedAutoStart != delayed) {
		return fmt.Errorf("the Service Control Manager reports %s as %s after setting it to %s", name, got, want)
	}
	return nil
}

// startAgainJournaled starts a service this run stopped, journaling the
// start first: a rollback must stop it again before it restores folders
// the service holds (wuauserv and DataStore.edb).
func (r *Run) startAgainJournaled(ctx context.Context, name string) error {
	svc, err := r.serviceNow(ctx, name)
	if err != nil {
		return err
	}
	if !svc.Exists || svc.Status == "Running" {
		return nil
	}
	ref, err := r.intent(Record{Kind: KindServiceStart, Target: name, Script: "Start-WurService",
		Prior: &Prior{Status: svc.Status, StartType: svc.StartType, DelayedAutoStart: svc.DelayedAutoStart}})
	if err != nil {
		return err
	}
	err = r.startService(ctx, name)
	return errors.Join(err, r.outcome(ref, err, ""))
}

// startService starts a service and waits for Running.
func (r *Run) startService(ctx context.Context, name string) error {
	res, err := callWithin[scripts.StartServiceResult](ctx, r.Host, "Start-WurService",
		map[string]any{"Name": name, "TimeoutSec": r.timeoutSec()}, r.serviceWait("Start-WurService"))
	if err != nil {
		return err
	}
	if !res.Started {
		return &ServiceStuckError{Name: name, Status: res.Status, Action: "start", Timeout: r.timeoutSec(), Win32Error: res.Win32Error}
	}
	return nil
}

// backupPath is where a folder goes: beside it, named after the run.
func (r *Run) backupPath(path string) string { return path + ".wurepair-" + r.ID }

// Renaming DataStore while wuauserv (restarted by a trigger) holds
// DataStore.edb open fails: MoveFile returns ERROR_ACCESS_DENIED for a
// folder with an open file inside (a sharing violation on some paths).
// Backup-WurFolder renames with Directory.Move and reports that Win32 code
// (Rename-Item on 5.1 turned it into a bare IOException, 0x80131620).
// Either code, with wuauserv found running again, means "it came back":
// stop it again, once, and retry.
const (
	sharingViolation = 0x80070020
	accessDenied     = 0x80070005
)

// backupFolder renames a folder to its backup name (recreating it empty).
// A sharing violation means the update service came back: stop it again,
// once, and retry.
func (r *Run) backupFolder(ctx context.Context, fo scripts.FolderInfo) error {
	backup := r.backupPath(fo.Path)
	ref, err := r.intent(Record{Kind: KindFolderBackup, Target: fo.Path, Backup: backup, Script: "Backup-WurFolder",
		Detail: fmt.Sprintf("%d files, %d bytes", fo.Files, fo.Bytes)})
	if err != nil {
		return err
	}
	params := map[string]any{"Path": fo.Path, "BackupPath": backup}
	res, err := call[scripts.BackupFolderResult](ctx, r.Host, "Backup-WurFolder", params)
	if h := HResultOf(err); (h == sharingViolation || h == accessDenied) && IsFQID(err, "WurRenameFailed") && r.cameBack(ctx, "wuauserv") {
		if nerr := r.note(fmt.Sprintf("renaming %s failed with %s (a file inside is in use): the update service came back; stopping it again, once", fo.Path, FormatHResult(h))); nerr != nil {
			return nerr
		}
		if serr := r.stopService(ctx, "wuauserv"); serr != nil {
			return errors.Join(err, serr, r.outcome(ref, err, ""))
		}
		res, err = call[scripts.BackupFolderResult](ctx, r.Host, "Backup-WurFolder", params)
	}
	if h := HResultOf(err); (h == sharingViolation || h == accessDenied) && IsFQID(err, "WurRenameFailed") {
		err = r.nameHolders(ctx, fo.Path, err)
	}
	if err == nil && res.Renamed && !res.SecurityCopied {
		// The folder at Path does not carry the original's permissions:
		// fail, and the rollback puts the original back (issue 20 item 1).
		err = &SecurityNotCopiedError{Path: fo.Path, Recreated: res.Recreated, HResult: uint32(res.SecurityHResult)}
	}
	if err != nil {
		return errors.Join(err, r.outcome(ref, err, ""))
	}
	r.Backups = append(r.Backups, backup)
	return r.outcome(ref, nil, "")
}

// SecurityNotCopiedError: a folder was renamed aside but the folder
// recreated in its place does not carry the original's DACL (explicit ACEs
// and protection): catroot2 or a Delivery Optimization folder without
// NetworkService's ACEs breaks CryptSvc or DoSvc. The step fails and the
// rollback renames the original back.
type SecurityNotCopiedError struct {
	Path      string
	Recreated bool
	HResult   uint32
}

func (e *SecurityNotCopiedError) Error() string {
	what := "could not be recreated with the permissions it had"
	if e.Recreated {
		what = "was recreated but does not carry the permissions it had"
	}
	return fmt.Sprintf("%s %s (%s): wurepair never leaves a folder with other permissions than before, so the rename is undone",
		e.Path, what, FormatHResult(e.HResult))
}

// FilesInUseError: a rename failed because files inside the folder are
// open, and the Restart Manager named who holds them.
type FilesInUseError struct {
	Path    string
	Holders []scripts.FileHolder
	Err     error // the rename's error
}

func (e *FilesInUseError) Error() string {
	names := make([]string, 0, len(e.Holders))
	for _, h := range e.Holders {
		who := h.Name
		if who == "" {
			who = "a process"
		}
		if h.ServiceName != "" {
			who = fmt.Sprintf("service %s (%s)", h.ServiceName, h.Name)
		}
		names = append(names, fmt.Sprintf("%s, process id %d", who, h.ProcessId))
	}
	return fmt.Sprintf("%s is in use by %s: wurepair stops only the services its plan names and never ends a process; "+
		"wait until they finish (or stop them) and run wurepair again: %v", e.Path, strings.Join(names, "; "), e.Err)
}

func (e *FilesInUseError) Unwrap() error { return e.Err }

// nameHolders asks the Restart Manager (Get-WurFileHolders) who holds
// files in a folder whose rename failed because one is in use, and names
// them in the error. When it cannot tell, the rename's error is returned
// as it was (with a journal note saying why).
func (r *Run) nameHolders(ctx context.Context, path string, renameErr error) error {
	res, err := call[scripts.FileHoldersResult](ctx, r.Host, "Get-WurFileHolders", map[string]any{"Path": path})
	switch {
	case err != nil:
		_ = r.note(fmt.Sprintf("could not ask the Restart Manager who holds files in %s: %v", path, err))
		return renameErr
	case res.Win32Error != 0:
		_ = r.note(fmt.Sprintf("the Restart Manager could not tell who holds files in %s (Win32 error %d)", path, res.Win32Error))
		return renameErr
	case len(res.Holders) == 0:
		return renameErr
	}
	return &FilesInUseError{Path: path, Holders: res.Holders, Err: renameErr}
}

// cameBack reports whether a service is running again.
func (r *Run) cameBack(ctx context.Context, name string) bool {
	svc, err := r.serviceNow(ctx, name)
	return err == nil && svc.Exists && svc.Status != "Stopped"
}

// regsvr32 exit 5: the DLL loaded and its DllRegisterServer ran and
// failed, for whatever reason: regsvr32 /s reports no HRESULT (exit codes:
// Raymond Chen, "What do the various regsvr32 exit codes mean?",
// https://devblogs.microsoft.com/oldnewthing/20180920-00/?p=99785). For
// Windows' own DLLs running it again will not make it succeed; servicing
// (the component store) rewrites their registrations.
const regsvr32RegisterFailed = 5

// DllRegisterFailedError: regsvr32 ran and the DLL's DllRegisterServer
// failed (exit 5). The reset plan notes it and goes on; the wups2 plan,
// whose whole point is that registration, fails with it and points to the
// components plan.
type DllRegisterFailedError struct{ Path string }

func (e *DllRegisterFailedError) Error() string {
	return fmt.Sprintf("regsvr32 /s %s exited %d: the DLL's DllRegisterServer failed "+
		"(regsvr32 /s does not say why, and running it again will not help): "+
		"run the components plan (`wurepair repair components`), which repairs Windows' own registrations through servicing",
		e.Path, regsvr32RegisterFailed)
}

// Regsvr32TimeoutError: regsvr32 was still running after Register-WurDll's
// timeout; the script killed it and every process it started.
type Regsvr32TimeoutError struct{ Path string }

func (e *Regsvr32TimeoutError) Error() string {
	return fmt.Sprintf("regsvr32 /s %s did not finish in time: it and the processes it started were killed "+
		"(a DllRegisterServer waiting on something; try again after a restart)", e.Path)
}

// registerDll runs regsvr32 /s on one DLL. ok says which exit codes pass;
// with registerFailedOK, exit 5 (DllRegisterServer failed) is journaled as
// that outcome and noted, not a failure. A timeout (regsvr32 killed) is
// always a failure.
func (r *Run) registerDll(ctx context.Context, path string, ok func(int) bool, registerFailedOK bool) error {
	ref, err := r.intent(Record{Kind: KindDllRegister, Target: path, Script: "Register-WurDll"})
	if err != nil {
		return err
	}
	res, err := call[scripts.RegisterDllResult](ctx, r.Host, "Register-WurDll", map[string]any{"Path": path})
	if err == nil && res.TimedOut {
		terr := &Regsvr32TimeoutError{Path: path}
		return errors.Join(terr, r.outcome(ref, terr, ""))
	}
	if err == nil && res.ExitCode == regsvr32RegisterFailed && !ok(res.ExitCode) {
		ferr := &DllRegisterFailedError{Path: path}
		if !registerFailedOK {
			return errors.Join(ferr, r.outcome(ref, ferr, ""))
		}
		r.Notices = append(r.Notices, fmt.Sprintf("%s: DllRegisterServer failed (regsvr32 exit 5), left as it is; "+
			"the components plan (`wurepair repair components`) repairs Windows' own registrations", path))
		return r.outcome(ref, nil, "regsvr32 exit code 5: DllRegisterServer failed (left as it is)")
	}
	if err == nil && !ok(res.ExitCode) {
		err = fmt.Errorf("regsvr32 /s %s exited %d (%s)", path, res.ExitCode, regsvr32Meaning(res.ExitCode))
	}
	if err != nil {
		return errors.Join(err, r.outcome(ref, err, ""))
	}
	return r.outcome(ref, nil, fmt.Sprintf("regsvr32 exit code %d", res.ExitCode))
}

func regsvr32Meaning(code int) string {
	switch code {
	case 0:
		return "registered"
	case 1:
		return "bad arguments"
	case 2:
		return "OleInitialize failed"
	case 3:
		return "LoadLibrary failed: the DLL could not be loaded"
	case 4:
		return "GetProcAddress failed: the DLL has no DllRegisterServer, nothing to register"
	case 5:
		return "DllRegisterServer failed"
	case -1:
		return "the file does not exist"
	}
	return "unknown"
}
