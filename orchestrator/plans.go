package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/wurepair/wurepair/scripts"
)

// PlanNames lists the plans `repair` accepts.
var PlanNames = []string{"auto", "wups2", "components", "datastore", "reset"}

// PlanPurpose is shown by `repair --help`.
var PlanPurpose = map[string]string{
	"auto":       "exactly what the diagnosis justifies, nothing more (default)",
	"wups2":      "KB943144 fix 1: stop wuauserv, regsvr32 wups2.dll (System32 and, on x64, SysWOW64), start, verify",
	"components": "KB943144 fix 2 on current Windows: repair the component store (Repair-WindowsImage -RestoreHealth) when CheckHealth says Repairable",
	"datastore":  "error 0x80070002 family: save history, stop services, back up DataStore and Download (renamed, not deleted), start, verify",
	"reset":      "full component reset: BITS, wuauserv, CryptSvc stopped (never AppIDSvc: AppLocker stays on; where it runs, CryptSvc and catroot2 are left alone); SoftwareDistribution, catroot2 and the BITS queue backed up (this drops every BITS job on the machine: ConfigMgr's, Delivery Optimization's, other applications'); the update agent's and BITS's DLLs re-registered",
}

// resetDlls are the DLLs the reset plan re-registers (those present):
// the COM servers of the update agent (wuapi: Microsoft.Update.Session and
// the rest of the Windows Update Agent API; wuaueng: the agent's engine;
// wups, wups2: its proxy/stub and KB943144's registration) and of BITS
// (qmgr, qmgrprxy). Microsoft's "Reset Windows Update components manually"
// (learn.microsoft.com/troubleshoot/windows-client/installing-updates-features-roles/additional-resources-for-windows-update,
// step 6, "Reregister the BITS files and the Windows Update files") still
// lists 36 DLLs, written for Windows XP/Vista (its steps 8 and 10 are for
// XP and Vista): the others are
//   - the Internet Explorer and scripting stack the Windows Update web site
//     ran in (atl, urlmon, mshtml, shdocvw, browseui, jscript, vbscript,
//     scrrun, msxml, msxml3, msxml6, actxprxy, muweb, wuweb, wuwebv);
//     Windows 10/11 update through the agent, not a web page;
//   - the crypto, OLE and shell DLLs every application uses (softpub,
//     wintrust, dssenh, rsaenh, gpkcsp, sccbase, slbcsp, cryptdlg, initpki,
//     oleaut32, ole32, shell32): their COM keys are owned by
//     TrustedInstaller on Windows 10/11 (regsvr32 exit 5 even as SYSTEM)
//     and re-registering them rewrites machine-wide registrations outside
//     Windows Update; damage there is the component store's to repair
//     (the components plan);
//   - Windows 7 client UI and old agent parts (wucltui, wucltux, wuaueng1),
//     absent or unused on Windows 10/11 (Settings is the UI).
//
// Microsoft's own first advice on the same page resets the agent without
// registering anything (stop wuauserv, clear SoftwareDistribution, start).
var resetDlls = []string{"wuapi", "wuaueng", "wups", "wups2", "qmgr", "qmgrprxy"}

// What the plans change: the only services and folders undo acts on.
var (
	wups2Services     = []string{"UsoSvc", "wuauserv"}
	datastoreServices = []string{"UsoSvc", "wuauserv", "BITS"}
	// DoSvc keeps files in SoftwareDistribution; CryptSvc holds catroot2.
	// The reset never stops AppIDSvc (applocker.go); it stays in the undo
	// scope for journals of versions that did.
	resetServices    = []string{"UsoSvc", "BITS", "wuauserv", "AppIDSvc", "CryptSvc", "DoSvc"}
	datastoreFolders = []string{"DataStore", "Download"}
	resetFolders     = []string{"SoftwareDistribution", "catroot2", "Downloader"}
)

// TouchedServices are the services the plans (all of them when none is
// named) stop, start or set the start type of.
func TouchedServices(plans ...string) []string {
	return union(plans, map[string][]string{"wups2": wups2Services, "datastore": datastoreServices, "reset": resetServices})
}

// RenamedFolders are the folders the plans (all when none is named) rename.
func RenamedFolders(plans ...string) []string {
	return union(plans, map[string][]string{"datastore": datastoreFolders, "reset": resetFolders})
}

func union(plans []string, of map[string][]string) []string {
	if len(plans) == 0 {
		plans = PlanNames
	}
	var out []string
	for _, p := range plans {
		for _, s := range of[p] {
			if !containsFold(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}

// RefusedError: the plan cannot run safely here; nothing was changed.
// Reason names the paths (what repair prints); Advice, when set, is what
// the admin must do by hand, without the paths (diagnosis's findings name
// each path once).
type RefusedError struct {
	Reason string
	Advice string
}

func (e *RefusedError) Error() string { return "refused, nothing changed: " + e.Reason }

// ErrNothingToDo: the diagnosis justifies no repair.
var ErrNothingToDo = errors.New("nothing to repair")

// Resolve turns the requested plan into the plans to run: auto becomes
// what the diagnosis justifies; reset supersedes wups2 and datastore.
func Resolve(requested string, d Diagnosis) ([]string, error) {
	var plans []string
	switch requested {
	case "auto", "":
		// What the diagnosis justifies and wurepair can run safely here; a
		// plan refused by the facts is the admin's to fix by hand. When
		// every justified plan is refused, they are returned anyway, so
		// BuildSteps refuses them with the reason (exit 1, nothing changed)
		// rather than "nothing to repair".
		plans = append(plans, d.Runnable()...)
		if len(plans) == 0 {
			plans = append(plans, d.Plans...)
		}
	case "wups2", "components", "datastore", "reset":
		plans = []string{requested}
	default:
		return nil, fmt.Errorf("unknown plan %q: want one of %s", requested, strings.Join(PlanNames, ", "))
	}
	for _, p := range plans {
		if p == "reset" {
			keep := []string{}
			for _, q := range plans {
				if q == "components" || q == "reset" {
					keep = append(keep, q)
				}
			}
			plans = keep
			break
		}
	}
	if len(plans) == 0 {
		return nil, ErrNothingToDo
	}
	return plans, nil
}

// BuildSteps builds the steps of the plans, checking first that each can
// run safely. It may run read-only probes (DLL presence) but changes nothing.
func BuildSteps(ctx context.Context, h *Host, f *Facts, plans []string) ([]Step, error) {
	if !f.Host.IsAdmin {
		return nil, &RefusedError{Reason: "repairs need elevation: run from an elevated prompt or as SYSTEM"}
	}
	var steps []Step
	for _, p := range plans {
		var s []Step
		var err error
		switch p {
		case "wups2":
			s, err = planWups2(f)
		case "components":
			s = []Step{repairComponents{}}
		case "datastore":
			s, err = planDataStore(f)
		case "reset":
			s, err = planReset(ctx, h, f)
		default:
			err = fmt.Errorf("unknown plan %q", p)
		}
		if err != nil {
			return nil, err
		}
		steps = append(steps, s...)
	}
	return steps, nil
}

func planWups2(f *Facts) ([]Step, error) {
	var files []scripts.DllFile
	for _, file := range f.Wups2.Files {
		if file.Exists {
			files = append(files, file)
		}
	}
	if len(files) == 0 {
		return nil, &RefusedError{Reason: "wups2.dll is not on disk: registering cannot help; run the components plan"}
	}
	stop := wups2Services
	return []Step{
		stopServices{names: stop},
		registerDlls{files: files},
		startAgain{names: stop},
		checkStartTypes{},
		verifyWups2{},
	}, nil
}

// planFolders are the folders a plan's checks look at before it runs:
// those it renames and those it renames them within.
var planFolders = map[string][]string{
	"datastore": append([]string{"SoftwareDistribution"}, datastoreFolders...),
	"reset":     append(append([]string{}, resetFolders...), "DataStore", "Download"),
}

// refuseFolders refuses a plan that would rename a folder that is, or
// contains, a junction or symbolic link (one planted in DataStore is an
// attack on privileged cleanup tools: wurepair will not move it or its
// target), or that has parts that could not be inspected (access denied,
// path too long): a link could hide there. nil when the plan may run.
func refuseFolders(f *Facts, plan string) *RefusedError {
	for _, n := range planFolders[plan] {
		fo := f.Folder(n)
		if fo == nil {
			return &RefusedError{Reason: fmt.Sprintf("%s was not probed (see probe errors)", n),
				Advice: "the folders were not probed: see the probe-failed finding"}
		}
		if fo.IsReparsePoint {
			return &RefusedError{Reason: fmt.Sprintf("%s (%s) is a junction or symbolic link: check where it points and fix it by hand", n, fo.Path),
				Advice: fmt.Sprintf("%s is a junction or link (see the reparse-point finding): check where it points and fix it by hand; wurepair never moves or follows one", n)}
		}
		if len(fo.ReparsePoints) > 0 {
			return &RefusedError{Reason: fmt.Sprintf("%s contains junctions or links (%s): check where they point and remove them by hand; wurepair never moves or follows them",
				n, strings.Join(fo.ReparsePoints, ", ")),
				Advice: fmt.Sprintf("%s contains junctions or links (see the reparse-point finding): check where they point and remove them by hand, then run wurepair again; it never moves or follows them", n)}
		}
		if len(fo.Unreadable) > 0 {
			return &RefusedError{Reason: fmt.Sprintf("%s has folders wurepair could not inspect (%s): a junction or link could hide there; make them readable to SYSTEM and Administrators (or shorten their paths) by hand",
				n, strings.Join(fo.Unreadable, ", ")),
				Advice: fmt.Sprintf("%s has folders wurepair could not inspect (see the folders-unreadable finding): by hand, make them readable to SYSTEM and Administrators or shorten their paths, then run wurepair again", n)}
		}
	}
	return nil
}

func planDataStore(f *Facts) ([]Step, error) {
	folders := datastoreFolders
	if err := refuseFolders(f, "datastore"); err != nil {
		return nil, err
	}
	if err := refuseHolders(f, "datastore"); err != nil {
		return nil, err
	}
	stop := datastoreServices
	return []Step{
		exportHistory{},
		stopServices{names: stop},
		ensureStopped{name: "wuauserv"},
		backupFolders{names: folders},
		startAgain{names: stop},
		checkStartTypes{},
		verifyBackups{names: folders},
	}, nil
}

func planReset(ctx context.Context, h *Host, f *Facts) ([]Step, error) {
	if err := refuseFolders(f, "reset"); err != nil {
		return nil, err
	}
	if err := refuseHolders(f, "reset"); err != nil {
		return nil, err
	}
	names := make([]string, len(resetDlls))
	for i, n := range resetDlls {
		names[i] = n + ".dll"
	}
	present, err := call[scripts.DllPresenceResult](ctx, h, "Get-WurDllPresence", map[string]any{"Names": names})
	if err != nil {
		return nil, err
	}
	var files []scripts.DllFile
	for _, file := range present.Files {
		if file.Exists {
			files = append(files, file)
		}
	}
	stops, stop, folders := resetStopsAndFolders(f)
	steps := append([]Step{exportHistory{}}, stops...)
	return append(steps,
		ensureStopped{name: "wuauserv"},
		backupFolders{names: folders},
		registerDlls{files: files, tolerate: []int{3, 4}, registerFailedOK: true},
		startAgain{names: stop},
		checkStartTypes{},
		verifyAgent{},
	), nil
}
