package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wurepair/wurepair/scripts"
)

// Rollback undoes, newest first, every change the journal records as
// intended and not yet undone. It needs nothing but the journal: it serves
// a failed step within a run and `wurepair rollback` after a crash alike.
// Each undo is idempotent (it restores a recorded state, whatever the state
// is now), so running it twice is harmless. It tries every change even when
// one fails, and returns all failures.
//
// Only what wurepair changes is undone: services its plans touch (and their
// real dependents), folders its plans rename, to backup names this run
// made. A journal record naming anything else is refused, not acted on.
//
// A journal write that fails (disk full) does not stop the rollback: every
// undo is idempotent, so the remaining changes are undone all the same and
// the error is returned; a later `wurepair rollback` records them.
func (r *Run) Rollback(ctx context.Context, recs []Record) error {
	if r.asideID == "" {
		now := time.Now
		if r.Now != nil {
			now = r.Now
		}
		id, err := NewRunID(now())
		if err != nil {
			return err
		}
		r.asideID = id
	}
	// Undo acts only on what the run's own plans change.
	r.plans = nil
	if len(recs) > 0 && recs[0].Type == RecRunStart && recs[0].Run != nil {
		r.plans = append([]string{"none"}, recs[0].Run.Plans...)
	}
	undone := map[int]bool{}
	done := map[int]bool{}
	dependents := map[int][]string{}
	for _, rec := range recs {
		switch rec.Type {
		case RecUndone:
			undone[rec.Ref] = true
		case RecDone:
			done[rec.Ref] = true
		case RecNote:
			if rec.Ref != 0 && len(rec.Dependents) > 0 {
				dependents[rec.Ref] = rec.Dependents
			}
		}
	}
	var errs []error
	journalFailed := false
	for i := len(recs) - 1; i >= 0; i-- {
		rec := recs[i]
		if rec.Type != RecIntent || undone[rec.Seq] {
			continue
		}
		detail, err := r.undo(ctx, rec, done[rec.Seq], dependents[rec.Seq])
		out := Record{Type: RecUndone, Ref: rec.Seq, Kind: rec.Kind, Target: rec.Target, Detail: detail}
		if err != nil {
			out.Type, out.Error = RecUndoFailed, err.Error()
			errs = append(errs, fmt.Errorf("undo %s %s: %w", rec.Kind, rec.Target, err))
		}
		if _, jerr := r.Journal.Append(out); jerr != nil && !journalFailed {
			journalFailed = true
			errs = append(errs, fmt.Errorf("the journal could not record the rollback (the undos go on): %w", jerr))
		}
		r.emit(Event{Step: "undo " + rec.Kind + " " + rec.Target, Phase: phaseOf(err), Err: err, Detail: detail})
	}
	return errors.Join(errs...)
}

func phaseOf(err error) string {
	if err != nil {
		return PhaseFailed
	}
	return PhaseDone
}

// undo restores one change. wasDone says whether its outcome was recorded
// (a crash can leave an intent whose change did or did not happen).
func (r *Run) undo(ctx context.Context, rec Record, wasDone bool, deps []string) (string, error) {
	if err := r.mayUndo(rec); err != nil {
		return "", err
	}
	switch rec.Kind {
	case KindServiceStop:
		return r.undoServiceStop(ctx, rec, deps)
	case KindServiceStart:
		return r.undoServiceStart(ctx, rec)
	case KindStartType:
		err := r.setStartType(ctx, rec.Target, rec.Prior.StartType, rec.Prior.DelayedAutoStart)
		return "start type restored to " + startTypeOf(*rec.Prior), err
	case KindFolderBackup:
		return r.undoFolderBackup(ctx, rec, wasDone)
	case KindDllRegister:
		// regsvr32 /u could remove registrations other components share:
		// a registration of a DLL that ships with Windows is kept.
		return "registration kept (re-registering a system DLL is idempotent; unregistering it could break Windows Update)", nil
	case KindComponentFix:
		return "component store repairs cannot be undone (DISM restores files from a known-good source)", nil
	case KindHistoryExport:
		return "history export kept in the run directory", nil
	case KindBackupRemove:
		return "a pruned backup cannot be restored", nil
	}
	return "", fmt.Errorf("unknown change kind %q in journal", rec.Kind)
}

// undoServiceStop brings a service back to its recorded status and start
// type, then its dependents that were stopped with it.
func (r *Run) undoServiceStop(ctx context.Context, rec Record, deps []string) (string, error) {
	now, err := r.serviceNow(ctx, rec.Target)
	if err != nil {
		return "", err
	}
	detail := ""
	if now.StartType != rec.Prior.StartType || now.DelayedAutoStart != rec.Prior.DelayedAutoStart {
		if err := r.setStartType(ctx, rec.Target, rec.Prior.StartType, rec.Prior.DelayedAutoStart); err != nil {
			return "", err
		}
		detail = "start type restored to " + startTypeOf(*rec.Prior) + "; "
	}
	if rec.Prior.Status == "Running" && now.Status != "Running" {
		if err := r.startService(ctx, rec.Target); err != nil {
			return detail, err
		}
		detail += "started again"
	} else {
		detail += "status already " + now.Status
	}
	for _, d := range deps {
		if !containsFold(now.DependentServices, d) {
			return detail, fmt.Errorf("the journal names %s as a dependent of %s, but it is not one: not started", d, rec.Target)
		}
		if err := r.startService(ctx, d); err != nil {
			return detail, fmt.Errorf("dependent %s: %w", d, err)
		}
	}
	if len(deps) > 0 {
		detail += "; dependents started again: " + strings.Join(deps, ", ")
	}
	return detail, nil
}

// undoServiceStart stops again a service the run started (it was stopped
// before), so that the folders it holds can be restored.
func (r *Run) undoServiceStart(ctx context.Context, rec Record) (string, error) {
	if rec.Prior.Status != "Stopped" {
		return "it was " + rec.Prior.Status + " before the run: left as it is", nil
	}
	now, err := r.serviceNow(ctx, rec.Target)
	if err != nil {
		return "", err
	}
	if !now.Exists || now.Status == "Stopped" {
		return "already stopped", nil
	}
	res, err := r.stopCall(ctx, rec.Target)
	if err != nil {
		return "", err
	}
	detail := "stopped again (the run had started it)"
	if len(res.StoppedDependents) > 0 {
		detail += "; with its dependents " + strings.Join(res.StoppedDependents, ", ")
	}
	return detail, nil
}

// undoFolderBackup renames the backup back. What stands at the folder now
// (data written since) is set aside under a name dated by this rollback,
// never deleted. A service that holds the folder (wuauserv restarted by a
// trigger) is stopped once and the restore retried.
func (r *Run) undoFolderBackup(ctx context.Context, rec Record, wasDone bool) (string, error) {
	setAside := rec.Target + ".wurepair-" + r.asideID + "-rollback"
	params := map[string]any{"Path": rec.Target, "BackupPath": rec.Backup, "SetAsidePath": setAside}
	res, err := call[scripts.RestoreFolderResult](ctx, r.Host, "Restore-WurFolder", params)
	if h := HResultOf(err); (h == sharingViolation || h == accessDenied) && r.cameBack(ctx, "wuauserv") {
		if _, serr := callWithin[scripts.StopServiceResult](ctx, r.Host, "Stop-WurService",
			map[string]any{"Name": "wuauserv", "TimeoutSec": r.timeoutSec(), "StopDependents": true}, r.serviceWait("Stop-WurService")); serr != nil {
			return "", errors.Join(err, serr)
		}
		res, err = call[scripts.RestoreFolderResult](ctx, r.Host, "Restore-WurFolder", params)
	}
	if IsFQID(err, "WurBackupMissing") {
		if !wasDone {
			return "the rename never happened: nothing to undo", nil
		}
		if r.folderInPlace(ctx, rec.Target) {
			return "the backup is no longer beside the folder and the folder is in place: already restored (a rollback the journal could not record)", nil
		}
	}
	if err != nil {
		return "", err
	}
	if res.SetAsidePath != "" {
		return "restored; what stood there was set aside at " + res.SetAsidePath, nil
	}
	return "restored", nil
}

// folderInPlace: path exists as a folder, per Get-WurSoftwareDistribution.
func (r *Run) folderInPlace(ctx context.Context, path string) bool {
	sd, err := call[scripts.SoftwareDistributionResult](ctx, r.Host, "Get-WurSoftwareDistribution", nil)
	if err != nil {
		return false
	}
	for _, f := range sd.Folders {
		if strings.EqualFold(f.Path, path) {
			return f.Exists
		}
	}
	return false
}

// mayUndo refuses a record naming something wurepair does not change.
func (r *Run) mayUndo(rec Record) error {
	switch rec.Kind {
	case KindServiceStop, KindServiceStart, KindStartType:
		if !containsFold(TouchedServices(r.plans...), rec.Target) {
			return fmt.Errorf("refused: %q is not a service the plans of run %s change", rec.Target, r.ID)
		}
		if rec.Prior == nil {
			return errors.New("journal lacks the prior service state")
		}
		if rec.Prior.StartType != "" && !containsFold(startTypes, rec.Prior.StartType) || rec.Kind == KindStartType && rec.Prior.StartType == "" {
			return fmt.Errorf("refused: %q is not a start type wurepair restores", rec.Prior.StartType)
		}
	case KindFolderBackup:
		if !containsFold(RenamedFolders(r.plans...), winBase(rec.Target)) {
			return fmt.Errorf("refused: %q is not a folder the plans of run %s rename", rec.Target, r.ID)
		}
		if rec.Backup != rec.Target+".wurepair-"+r.ID {
			return fmt.Errorf("refused: %q is not the backup name run %s makes for %s", rec.Backup, r.ID, rec.Target)
		}
	}
	return nil
}

var startTypes = []string{"Automatic", "Manual", "Disabled"}

func startTypeOf(p Prior) string {
	if p.StartType == "Automatic" && p.DelayedAutoStart {
		return "Automatic (delayed)"
	}
	return p.StartType
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
