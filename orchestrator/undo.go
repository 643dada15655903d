package orchestrator

import (
	"context"
	"errors"
	"fmt"

	"github.com/wurepair/wurepair/scripts"
)

// Rollback undoes, newest first, every change the journal records as
// intended and not yet undone. It needs nothing but the journal: it serves
// a failed step within a run and `wurepair rollback` after a crash alike.
// Each undo is idempotent (it restores a recorded state, whatever the state
// is now), so running it twice is harmless. It tries every change even when
// one fails, and returns all failures.
func (r *Run) Rollback(ctx context.Context, recs []Record) error {
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
		if _, jerr := r.Journal.Append(out); jerr != nil {
			return errors.Join(append(errs, jerr)...)
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
	switch rec.Kind {
	case KindServiceStop:
		return r.undoServiceStop(ctx, rec, deps)
	case KindStartType:
		if rec.Prior == nil {
			return "", errors.New("journal lacks the prior start type")
		}
		_, err := call[scripts.SetStartTypeResult](ctx, r.Host, "Set-WurServiceStartType",
			map[string]any{"Name": rec.Target, "StartType": rec.Prior.StartType, "DelayedAutoStart": rec.Prior.DelayedAutoStart})
		return "start type restored to " + rec.Prior.StartType, err
	case KindFolderBackup:
		setAside := rec.Target + ".wurepair-" + r.ID + "-rollback"
		res, err := call[scripts.RestoreFolderResult](ctx, r.Host, "Restore-WurFolder",
			map[string]any{"Path": rec.Target, "BackupPath": rec.Backup, "SetAsidePath": setAside})
		if IsFQID(err, "WurBackupMissing") && !wasDone {
			return "the rename never happened: nothing to undo", nil
		}
		if err != nil {
			return "", err
		}
		if res.SetAsidePath != "" {
			return "restored; what stood there was set aside at " + res.SetAsidePath, nil
		}
		return "restored", nil
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
	if rec.Prior == nil {
		return "", errors.New("journal lacks the prior service state")
	}
	now, err := r.serviceNow(ctx, rec.Target)
	if err != nil {
		return "", err
	}
	detail := ""
	if now.StartType != rec.Prior.StartType || now.DelayedAutoStart != rec.Prior.DelayedAutoStart {
		if _, err := call[scripts.SetStartTypeResult](ctx, r.Host, "Set-WurServiceStartType",
			map[string]any{"Name": rec.Target, "StartType": rec.Prior.StartType, "DelayedAutoStart": rec.Prior.DelayedAutoStart}); err != nil {
			return "", err
		}
		detail = "start type restored to " + rec.Prior.StartType + "; "
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
		if err := r.startService(ctx, d); err != nil {
			return detail, fmt.Errorf("dependent %s: %w", d, err)
		}
	}
	return detail, nil
}
