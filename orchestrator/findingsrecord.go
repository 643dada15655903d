package orchestrator

import (
	"strings"
	"unicode/utf8"
)

// The findings record (issue 18): a repair journals the findings that led
// to it before its first change, so the audit trail says why it ran, and
// the loop guard can tell "the same problem came back" from "something
// else broke". Bounded so that it always fits one journal record.

const (
	maxRecordedFindings = 16 // 16 x (5 + 3) texts x 300 bytes: well under the 64 KiB a record may have
	maxRecordedEvidence = 5
	maxRecordedText     = 300
)

// FindingsRecord is the record a repair journals before its first change.
func FindingsRecord(fs []Finding) Record {
	out := make([]Finding, 0, min(len(fs), maxRecordedFindings))
	for _, f := range fs {
		if len(out) == maxRecordedFindings {
			break
		}
		g := Finding{ID: clip(f.ID), Severity: f.Severity, Title: clip(f.Title), Plan: f.Plan, Advice: clip(f.Advice), Evidence: []string{}}
		for _, e := range f.Evidence {
			if len(g.Evidence) == maxRecordedEvidence {
				break
			}
			g.Evidence = append(g.Evidence, clip(e))
		}
		out = append(out, g)
	}
	return Record{Type: RecFindings, Findings: out}
}

// clip cuts s so that its JSON encoding stays within maxRecordedText
// bytes: a control character or <, >, & takes six (\u0000).
func clip(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	n := 0
	for i, r := range s {
		c := utf8.RuneLen(r)
		if r < 0x20 || r == '<' || r == '>' || r == '&' || r == '"' || r == '\\' || r == 0x2028 || r == 0x2029 {
			c = 6
		}
		if n+c > maxRecordedText {
			return s[:i] + "..."
		}
		n += c
	}
	return s
}

// findingIDs are the ids of the findings that justified a plan.
func findingIDs(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		if f.Plan != "" {
			out = append(out, f.ID)
		}
	}
	return out
}
