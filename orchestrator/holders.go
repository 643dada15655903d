package orchestrator

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/wurepair/wurepair/scripts"
)

// Files held by others (issue 20 item 4): before recommending a plan that
// renames folders (datastore, reset), diagnosis asks the Restart Manager
// (Get-WurFileHolders, read-only) who holds files there. A holder the
// plan's own service stops release is no obstacle (wuauserv holding
// DataStore.edb, CryptSvc holding catroot2's logs, BITS its queue). Any
// other holder (a process of the update stack such as MoUsoCoreWorker.exe
// or TiWorker.exe, TrustedInstaller installing, Delivery Optimization for
// the datastore plan, an antivirus or backup agent) would make the rename
// fail with a sharing violation, and wurepair never ends a process: the
// plan cannot work now. It is refused with the holder named (a finding,
// and the refusal's reason), exactly like the other refusals on the facts:
// detect exits 0 saying why (an Intune remediation does not run, let alone
// loop) and asks again at its next run, when the update has usually
// finished; diagnose says what to do; repair refuses it (exit 1, nothing
// changed). It is not a --force gate: forced, the rename would fail and
// roll back anyway.
//
// Bounded: a few levels and files per folder (holderProbes), not every
// file of a Download folder that can hold tens of thousands: DataStore.edb
// and its logs, the files at the top of Download and in each update's
// folder, catroot2's logs and catalog database, the BITS queue. A holder
// of a file deeper down is not seen here; the rename then still fails, is
// rolled back and names it (Run.nameHolders). The Restart Manager's
// answer costs per file registered (RmRegisterResources, RmGetList).
//
// A probe that fails, or a Restart Manager that cannot answer (its
// Win32Error), is a failed decision probe: the outcome is "cannot tell"
// (detect exit 1, diagnose and repair exit 10; --force overrides), as for
// every probe a decision depends on.

// holdersProbe is the script that names who holds files.
const holdersProbe = "Get-WurFileHolders"

// gateFilesInUse marks a Refusal made because files the plan would rename
// are held by a process the plan does not stop.
const gateFilesInUse = "files-in-use"

// FolderHolders is the Restart Manager's answer for one folder a
// justified plan renames.
type FolderHolders struct {
	Folder       string               `json:"folder"` // a Get-WurSoftwareDistribution folder name: DataStore, Download, ...
	Path         string               `json:"path"`
	MaxDepth     int                  `json:"maxDepth"`
	FilesChecked int                  `json:"filesChecked"`
	Truncated    bool                 `json:"truncated"`
	Holders      []scripts.FileHolder `json:"holders"`
}

// holderProbe is one bounded question: a folder, how many levels of it
// (1: its own files) and at most how many files.
type holderProbe struct {
	folder       string
	depth, files int
}

// The questions per folder: DataStore (DataStore.edb, tmp.edb; Logs\edb*.log,
// edb.chk), Download (its own files and each update's folder), catroot2
// (edb.log, edb.chk; {GUID}\catdb), the top of SoftwareDistribution
// (ReportingEvents.log) and the BITS queue (qmgr*.dat).
var holderProbes = map[string]holderProbe{
	"SoftwareDistribution": {"SoftwareDistribution", 1, 64},
	"DataStore":            {"DataStore", 2, 64},
	"Download":             {"Download", 2, 256},
	"catroot2":             {"catroot2", 2, 64},
	"Downloader":           {"Downloader", 1, 64},
}

// renamesAndStops are the folders whose files a plan moves (those inside
// a renamed folder included) and the services it stops first; nil for a
// plan that renames nothing.
func renamesAndStops(f *Facts, plan string) (folders, stops []string) {
	switch plan {
	case "datastore":
		return datastoreFolders, datastoreServices
	case "reset":
		_, stops, renamed := resetStopsAndFolders(f)
		folders = append([]string{}, renamed...)
		if containsFold(renamed, "SoftwareDistribution") {
			folders = append(folders, "DataStore", "Download")
		}
		return folders, stops
	}
	return nil, nil
}

// ProbeHolders asks the Restart Manager who holds files in the folders of
// the plans the facts justify (and of also: repair's named plan), each
// folder once, bounded. It changes nothing. A failure is recorded in
// f.ProbeErrors (cannot tell); a dead session or a cancelled context
// aborts.
func ProbeHolders(ctx context.Context, h *Host, f *Facts, also ...string) error {
	plans := Diagnose(*f).Plans
	for _, p := range also {
		if !slices.Contains(plans, p) {
			plans = append(plans, p)
		}
	}
	asked := map[string]bool{}
	for _, p := range plans {
		folders, _ := renamesAndStops(f, p)
		if folders == nil || refuseFolders(f, p) != nil {
			continue // renames nothing, or refused on the folders already
		}
		for _, name := range folders {
			q, ok := holderProbes[name]
			fo := f.Folder(name)
			if !ok || asked[name] || fo == nil || !fo.Exists || fo.IsReparsePoint {
				continue
			}
			asked[name] = true
			res, err := call[scripts.FileHoldersResult](ctx, h, holdersProbe,
				map[string]any{"Path": fo.Path, "MaxDepth": q.depth, "MaxFiles": q.files})
			if err != nil {
				if err := noteProbe(ctx, f, holdersProbe, err); err != nil {
					return err
				}
				continue
			}
			if res.Win32Error != 0 {
				noteProbeError(f, holdersProbe, fmt.Sprintf("the Restart Manager could not tell who holds files in %s (Win32 error %d)", fo.Path, res.Win32Error))
				continue
			}
			f.Holders = append(f.Holders, FolderHolders{Folder: name, Path: res.Path, MaxDepth: q.depth,
				FilesChecked: res.FilesChecked, Truncated: res.Truncated, Holders: res.Holders})
		}
	}
	return nil
}

// blockingHolders are, per folder the plan moves, the holders its own
// service stops do not release.
func blockingHolders(f *Facts, plan string) []FolderHolders {
	folders, stops := renamesAndStops(f, plan)
	var out []FolderHolders
	for _, fh := range f.Holders {
		if !containsFold(folders, fh.Folder) {
			continue
		}
		var keep []scripts.FileHolder
		for _, x := range fh.Holders {
			if x.ServiceName != "" && containsFold(stops, x.ServiceName) {
				continue // released by the plan's own stop
			}
			keep = append(keep, x)
		}
		if len(keep) > 0 {
			fh.Holders = keep
			out = append(out, fh)
		}
	}
	return out
}

// holderName names a holder without localized text: the service's short
// name, the process's image name, its id (the Restart Manager's
// strAppName is a localized description: never shown in a decision).
func holderName(x scripts.FileHolder) string {
	image := x.ProcessName
	if image != "" && !strings.HasSuffix(strings.ToLower(image), ".exe") {
		image += ".exe"
	}
	switch {
	case x.ServiceName != "" && image != "":
		return fmt.Sprintf("service %s (%s, process id %d)", x.ServiceName, image, x.ProcessId)
	case x.ServiceName != "":
		return fmt.Sprintf("service %s (process id %d)", x.ServiceName, x.ProcessId)
	case image != "":
		return fmt.Sprintf("%s (process id %d)", image, x.ProcessId)
	}
	return fmt.Sprintf("process id %d", x.ProcessId)
}

// holderNames lists the distinct holders of the folders.
func holderNames(list []FolderHolders) []string {
	var out []string
	for _, fh := range list {
		for _, x := range fh.Holders {
			if n := holderName(x); !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}

// refuseHolders refuses a plan whose folders hold files in use by a
// process the plan does not stop; nil when none does (or nobody asked).
func refuseHolders(f *Facts, plan string) *RefusedError {
	blocking := blockingHolders(f, plan)
	if len(blocking) == 0 {
		return nil
	}
	var where []string
	for _, fh := range blocking {
		var who []string
		for _, x := range fh.Holders {
			who = append(who, holderName(x))
		}
		where = append(where, fmt.Sprintf("%s by %s", fh.Path, strings.Join(who, ", ")))
	}
	names := strings.Join(holderNames(blocking), ", ")
	return &RefusedError{
		Reason: fmt.Sprintf("files the %s plan would rename are in use: %s; the plan does not stop them and wurepair never ends a process, "+
			"so the rename would fail: wait until they finish (an update being scanned, downloaded or installed) or stop them, then run wurepair again",
			plan, strings.Join(where, "; ")),
		Advice: fmt.Sprintf("files it would rename are in use by %s, which it does not stop (see the files-in-use finding): "+
			"wait until they finish or stop them, then run wurepair again", names),
	}
}

// diagnoseHolders is the files-in-use finding: who holds files in the
// folders of the justified plans that those plans do not stop.
func diagnoseHolders(f *Facts, plans []string) *Finding {
	var ev []string
	var refused []string
	for _, p := range plans {
		blocking := blockingHolders(f, p)
		if len(blocking) == 0 {
			continue
		}
		refused = append(refused, p)
		for _, fh := range blocking {
			bound := fmt.Sprintf("%d file(s) checked, %d level(s)", fh.FilesChecked, fh.MaxDepth)
			if fh.Truncated {
				bound += ", more not checked"
			}
			for _, x := range fh.Holders {
				line := fmt.Sprintf("%s (%s): in use by %s", fh.Path, bound, holderName(x))
				if !slices.Contains(ev, line) {
					ev = append(ev, line)
				}
			}
		}
	}
	if len(ev) == 0 {
		return nil
	}
	ev = append(ev, "the Restart Manager (RmGetList) named them; the plan's own service stops do not release them")
	return &Finding{ID: gateFilesInUse, Severity: SevWarning,
		Title:    "files the repair would rename are in use by processes it does not stop",
		Evidence: ev,
		Advice: "repair " + strings.Join(refused, ", ") + " is refused until they are released: wurepair stops only the services its plan names " +
			"and never ends a process. Wait until they finish (usually an update being scanned, downloaded or installed) or stop them, " +
			"then run wurepair again; detect asks again at its next run"}
}
