package app

import (
	"fmt"

	"github.com/urfave/cli/v2"
	"github.com/wurepair/wurepair/orchestrator"
)

// Explanation is one code as `explain -o json` writes it.
type Explanation struct {
	Code    string `json:"code"`    // 0x8024402C
	Decimal int32  `json:"decimal"` // -2145107924, as PowerShell prints an HRESULT
	Symbol  string `json:"symbol"`  // "" when unknown or no public SDK symbol
	Known   bool   `json:"known"`
	Meaning string `json:"meaning,omitempty"`
	Class   string `json:"class"`
	Phase   string `json:"phase,omitempty"`
	Plan    string `json:"plan"` // "" when wurepair runs no plan for it
	Why     string `json:"why"`
	Source  string `json:"source,omitempty"` // the Microsoft page the class follows
	Note    string `json:"note,omitempty"`
}

func (d *deps) cmdExplain() *cli.Command {
	return &cli.Command{
		Name:      "explain",
		Usage:     "what a Windows Update error code means and what wurepair does about it (changes nothing)",
		ArgsUsage: "CODE...",
		Description: "CODE is a hex HRESULT (0x8024402C), a decimal one as PowerShell prints it (-2145107924) or a\n" +
			"symbol (WU_E_PT_WINHTTP_NAME_NOT_RESOLVED). explain reads wurepair's error reference (every code\n" +
			"of the SDK's wuerror.h, and the CBS/DISM, SxS, Win32, WinHTTP, BITS and Delivery Optimization codes\n" +
			"Windows Update reports) and says the remedy class, the plan a repair would run for it and why.\n" +
			"It does not probe the machine: --phase says what Windows Update was doing (0x80070002 while\n" +
			"scanning or downloading is the update store's, while installing the component store's) and\n" +
			"--source that a repair would be given a repair source. Unknown codes: said so, exit 0.",
		Flags: []cli.Flag{
			outputFlag(),
			&cli.StringFlag{Name: "phase", Usage: "what Windows Update was doing: scan, download, install or uninstall (default: any)"},
			&cli.StringFlag{Name: "source", Usage: "as repair --source: a repair source would be given (repair-source codes then plan components)"},
		},
		Action: d.explain,
	}
}

func (d *deps) explain(c *cli.Context) error {
	if c.NArg() == 0 {
		return usagef("explain needs at least one CODE (0x8024402C, -2145107924 or WU_E_PT_WINHTTP_NAME_NOT_RESOLVED)")
	}
	format, err := outputFormat(c)
	if err != nil {
		return err
	}
	phase, err := orchestrator.ParsePhase(c.String("phase"))
	if err != nil {
		return usagef("--phase: %v", err)
	}
	haveSource := c.String("source") != ""
	var out []Explanation
	for _, arg := range c.Args().Slice() {
		h, err := orchestrator.ParseCode(arg)
		if err != nil {
			return usagef("explain: %v", err)
		}
		out = append(out, explainCode(h, phase, haveSource))
	}
	if format == "json" {
		return writeJSON(d.env.Stdout, out)
	}
	for i, e := range out {
		if i > 0 {
			fmt.Fprintln(d.env.Stdout)
		}
		writeExplanation(d, e)
	}
	return nil
}

// explainCode decides as diagnosis does for an event of this phase.
func explainCode(h uint32, phase orchestrator.Phase, haveSource bool) Explanation {
	info, class, known := orchestrator.Classify(h, phase)
	e := Explanation{Code: orchestrator.FormatHResult(h), Decimal: int32(h), Symbol: info.Symbol, Known: known, Meaning: info.Meaning,
		Class: string(class), Phase: string(phase), Plan: class.Plan(haveSource), Source: orchestrator.ReferenceURL(info.Source), Note: info.Note}
	switch {
	case !known && class == orchestrator.ClassNotAnError:
		e.Why = "the high bit is clear: a success or information code, not an error"
	case !known:
		e.Why = "not in wurepair's reference: " + class.Advice()
	case class == orchestrator.ClassRepairSource && !haveSource:
		e.Why = class.Advice() + "; without a source the components plan would fail exactly this way, so wurepair does not run it"
	case info.Class != class:
		e.Why = fmt.Sprintf("in the %s phase this is %s, not %s: %s", phase, class, info.Class, class.Advice())
	default:
		e.Why = class.Advice()
	}
	return e
}

func writeExplanation(d *deps, e Explanation) {
	out := d.env.Stdout
	name := e.Symbol
	if name == "" {
		name = "(no public SDK symbol)"
	}
	if !e.Known {
		name = "unknown: not in wurepair's reference"
		if e.Class == string(orchestrator.ClassNotAnError) {
			name = "unknown success code"
		}
	}
	fmt.Fprintf(out, "%s (%d) %s\n", e.Code, e.Decimal, name)
	if e.Meaning != "" {
		fmt.Fprintf(out, "  meaning: %s\n", e.Meaning)
	}
	fmt.Fprintf(out, "  class:   %s\n", e.Class)
	if e.Phase != "" {
		fmt.Fprintf(out, "  phase:   %s\n", e.Phase)
	}
	if e.Plan != "" {
		fmt.Fprintf(out, "  plan:    wurepair repair %s\n", e.Plan)
	} else {
		fmt.Fprintln(out, "  plan:    none")
	}
	fmt.Fprintf(out, "  why:     %s\n", e.Why)
	if e.Note != "" {
		fmt.Fprintf(out, "  note:    %s\n", e.Note)
	}
	if e.Source != "" {
		fmt.Fprintf(out, "  source:  %s\n", e.Source)
	}
}
