package app

import (
	"encoding/json"

	"github.com/wurepair/wurepair/orchestrator"
	"github.com/wurepair/wurepair/ps"
)

// ReportSchema versions the --output json document. Fields are only ever
// added within a version; a removal or change of meaning bumps it.
const ReportSchema = "wurepair.report/v1"

// Report is the --output json document of diagnose, detect and repair.
type Report struct {
	Schema         string                 `json:"schema"`
	Command        string                 `json:"command"`
	RunID          string                 `json:"runId,omitempty"`
	DryRun         bool                   `json:"dryRun"`
	Host           ps.HostFacts           `json:"host"`
	Findings       []orchestrator.Finding `json:"findings"`
	Plans          []string               `json:"plans"`
	Changes        []PlannedStep          `json:"changes,omitempty"`
	Steps          []StepReport           `json:"steps,omitempty"`
	Outcome        string                 `json:"outcome"`
	Message        string                 `json:"message,omitempty"`
	RebootRequired bool                   `json:"rebootRequired"`
	ExitCode       int                    `json:"exitCode"`
	Facts          json.RawMessage        `json:"facts,omitempty"` // orchestrator.Facts, camelCase (camelJSON)
}

// PlannedStep is what a step would change (dry run) or was to change.
type PlannedStep struct {
	Step    string   `json:"step"`
	Changes []string `json:"changes"`
}

// StepReport is one executed step.
type StepReport struct {
	Step       string `json:"step"`
	Status     string `json:"status"`
	DurationMs int64  `json:"durationMs"`
	Error      string `json:"error,omitempty"`
}

func newReport(command string, host ps.HostFacts, d orchestrator.Diagnosis) *Report {
	return &Report{Schema: ReportSchema, Command: command, Host: host, Findings: d.Findings, Plans: d.Plans}
}

func plannedSteps(steps []orchestrator.Step, f *orchestrator.Facts) []PlannedStep {
	out := make([]PlannedStep, 0, len(steps))
	for _, s := range steps {
		out = append(out, PlannedStep{Step: s.Name(), Changes: s.Describe(f)})
	}
	return out
}
