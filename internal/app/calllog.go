package app

import (
	"errors"

	"github.com/sirupsen/logrus"
	"github.com/wurepair/wurepair/orchestrator"
	"github.com/wurepair/wurepair/scripts"
)

// logCall logs every script call. An action script that ran and
// reported an error (an *orchestrator.ScriptFailure: WurBackupMissing,
// access denied...) is its step's to judge: some are expected (a
// rollback whose rename never happened finds no backup) and those that
// are not come back as a failed step or undo, logged as errors there. So
// such a failure is debug detail here. A failed probe (read-only script)
// and a call that broke the session (timeout, host died, protocol) are
// warnings whoever called them. The error text already begins with the
// script's name: it is not repeated.
func logCall(log *logrus.Logger, catalog *scripts.Catalog) func(orchestrator.CallEvent) {
	return func(e orchestrator.CallEvent) {
		entry := log.WithFields(logrus.Fields{"script": e.Script, "sha256": e.SHA256, "durationMs": e.Duration.Milliseconds()})
		var sf *orchestrator.ScriptFailure
		s, known := catalog.Get(e.Script)
		switch {
		case e.Err == nil:
			entry.WithField("result", "ok").Debug(e.Script)
		case errors.As(e.Err, &sf) && known && !s.ReadOnly:
			entry.WithField("result", "error").Debug(oneLine(e.Err.Error()))
		default:
			entry.WithField("result", "error").Warn(oneLine(e.Err.Error()))
		}
	}
}
