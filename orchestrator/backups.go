package orchestrator

import (
	"context"
	"errors"
	"fmt"
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

// OlderThan keeps the backups created before cutoff.
func OlderThan(backups []scripts.BackupInfo, cutoff time.Time) ([]scripts.BackupInfo, error) {
	var out []scripts.BackupInfo
	for _, b := range backups {
		created, err := time.Parse(time.RFC3339Nano, b.Created)
		if err != nil {
			return nil, fmt.Errorf("backup %s has an unreadable creation time %q: %w", b.Path, b.Created, err)
		}
		if created.Before(cutoff) {
			out = append(out, b)
		}
	}
	return out, nil
}

// Prune deletes backups, journaling each deletion first. It goes on after
// a failure and returns every failure.
func (r *Run) Prune(ctx context.Context, backups []scripts.BackupInfo) error {
	var errs []error
	for _, b := range backups {
		ref, err := r.intent(Record{Kind: KindBackupRemove, Target: b.Path, Script: "Remove-WurBackup", Detail: fmt.Sprintf("%d bytes, run %s", b.Bytes, b.RunId)})
		if err != nil {
			return errors.Join(append(errs, err)...)
		}
		_, err = call[scripts.RemoveBackupResult](ctx, r.Host, "Remove-WurBackup", map[string]any{"Path": b.Path})
		if oerr := r.outcome(ref, err, ""); oerr != nil {
			return errors.Join(append(errs, err, oerr)...)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
