package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wurepair/wurepair/scripts"
)

// ListBackups returns the backups wurepair left on the machine.
func ListBackups(ctx context.Context, h *Host) ([]scripts.BackupInfo, error) {
	sd, err := call[scripts.SoftwareDistributionResult](ctx, h, "Get-WurSoftwareDistribution", nil)
	if err != nil {
		return nil, err
	}
	return sd.Backups, nil
}

// BackupMade is when wurepair made a backup: the time in its run id. The
// folder's own creation time is no use: a rename keeps it, so a DataStore
// created years ago and backed up today would look years old.
func BackupMade(b scripts.BackupInfo) (time.Time, bool) {
	stamp, _, ok := strings.Cut(b.RunId, "-")
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(runIDTime, stamp)
	return t, err == nil
}

// OlderThan splits backups into those made before cutoff and those whose
// run id carries no time (never pruned: what cannot be dated is kept).
func OlderThan(backups []scripts.BackupInfo, cutoff time.Time) (old, undated []scripts.BackupInfo) {
	for _, b := range backups {
		made, ok := BackupMade(b)
		switch {
		case !ok:
			undated = append(undated, b)
		case made.Before(cutoff):
			old = append(old, b)
		}
	}
	return old, undated
}

// Prune deletes backups, journaling each deletion first. It goes on after
// a failure and returns what it deleted and every failure.
func (r *Run) Prune(ctx context.Context, backups []scripts.BackupInfo) (deleted []string, err error) {
	var errs []error
	for _, b := range backups {
		ref, err := r.intent(Record{Kind: KindBackupRemove, Target: b.Path, Script: "Remove-WurBackup", Detail: fmt.Sprintf("%d bytes, run %s", b.Bytes, b.RunId)})
		if err != nil {
			return deleted, errors.Join(append(errs, err)...)
		}
		_, err = call[scripts.RemoveBackupResult](ctx, r.Host, "Remove-WurBackup", map[string]any{"Path": b.Path})
		if err == nil {
			deleted = append(deleted, b.Path)
		}
		if oerr := r.outcome(ref, err, ""); oerr != nil {
			return deleted, errors.Join(append(errs, err, oerr)...)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return deleted, errors.Join(errs...)
}

// PruneDecision says whether prune deletes one backup, and why (not).
type PruneDecision struct {
	Backup scripts.BackupInfo
	Made   time.Time
	Delete bool
	Reason string // why it is kept; empty when deleted
}

// PlanPrune decides, for each backup, whether prune may delete it. It is
// kept when its name is not one wurepair makes (<folder>.wurepair-<run id>,
// or -<rollback id>-rollback for what a rollback set aside), when its run
// did not finish or its rollback was partial (the backup may be the only
// copy of the original folder: named or not, `rollback` comes first), when
// its run has no verified journal here (an orphan: the journal fails
// verification, or the state directory was moved away or recreated, and
// the run may never have finished) unless the admin names that run in
// orphans (--include-orphans), or when it is younger than cutoff. A rollback's set-aside is dated by the rollback.
func PlanPrune(backups []scripts.BackupInfo, runs []RunSummary, cutoff time.Time, orphans []string) []PruneDecision {
	byID := map[string]RunSummary{}
	for _, r := range runs {
		byID[r.ID] = r
	}
	out := make([]PruneDecision, 0, len(backups))
	for _, b := range backups {
		d := PruneDecision{Backup: b}
		id, aside := strings.CutSuffix(b.RunId, "-rollback")
		made, ok := BackupMade(b)
		run, known := byID[id]
		switch {
		case !ValidRunID(id) || !containsFold(RenamedFolders(), winBase(b.Original)) || !strings.EqualFold(b.Path, b.Original+".wurepair-"+b.RunId):
			d.Reason = "its name is not one wurepair makes"
		case !ok:
			d.Reason = "its age is unknown"
		case !aside && known && !run.Verified && !slices.Contains(orphans, id):
			d.Reason = fmt.Sprintf("the journal of run %s cannot be verified (%s): it may still be needed; "+
				"pass --include-orphans %s to delete it", id, run.Outcome, id)
		case !aside && known && run.Verified && (run.Incomplete() || run.Outcome == OutcomePartial):
			d.Reason = fmt.Sprintf("run %s is %s: it may be the only copy of the original folder; run `wurepair rollback %s` first", id, run.Outcome, id)
		case !aside && !known && !slices.Contains(orphans, id):
			d.Reason = fmt.Sprintf("run %s has no journal in this state directory (moved away or recreated?): it may be the only copy of "+
				"the original folder; restore the state directory, or pass --include-orphans %s to delete it", id, id)
		case !made.Before(cutoff):
			d.Reason = "it is younger than the cutoff"
		default:
			d.Delete = true
		}
		d.Made = made
		out = append(out, d)
	}
	return out
}
