package app

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

func (d *deps) cmdDetect() *cli.Command {
	return &cli.Command{
		Name:  "detect",
		Usage: "Intune/ConfigMgr detection: one line on stdout; exit 0 healthy, 1 a repair applies",
		Description: "Exit 1 only when a plan wurepair can run applies (so a remediation of `repair auto --yes`\n" +
			"never loops on problems no reset fixes, such as a proxy, nor on a plan it would refuse, such as a\n" +
			"link in SoftwareDistribution: that is exit 0 with the reason), or when an earlier wurepair run did not\n" +
			"finish (the line names the exact rollback command). Exit 4 when PowerShell is unusable.",
		Flags: append(append([]cli.Flag{stateDirFlag()}, sessionFlags()...), logFlags()...),
		Action: func(c *cli.Context) error {
			w, err := d.open(c)
			if err != nil {
				return err
			}
			defer w.Close()
			_, diag, err := d.probe(c, w)
			if err != nil {
				return err
			}
			// An unfinished run needs an admin (or a remediation): the
			// machine may be half-changed whatever the probes say.
			if att := needsAttention(diag); len(att) > 0 {
				fmt.Fprintf(d.env.Stdout, "needs attention: %s\n", strings.TrimPrefix(att[0].Title, "wurepair ")+"; "+att[0].Advice)
				return exitWith(ExitFailure, nil)
			}
			if !diag.NeedsRepair() {
				// A repair that would be refused (a link in SoftwareDistribution)
				// is not one that applies: exit 0, so a remediation never loops,
				// and say why nothing runs.
				if len(diag.Refused) > 0 {
					r := diag.Refused[0]
					fmt.Fprintf(d.env.Stdout, "no automatic repair applies: repair %s is refused; %s\n", r.Plan, r.Advice)
					return nil
				}
				fmt.Fprintf(d.env.Stdout, "healthy: %d advisory finding(s)\n", len(diag.Findings))
				return nil
			}
			var ids []string
			for _, f := range diag.Findings {
				if f.Plan != "" {
					ids = append(ids, f.ID)
				}
			}
			fmt.Fprintf(d.env.Stdout, "needs repair: %s (plans: %s)\n", strings.Join(ids, ", "), strings.Join(diag.Runnable(), ", "))
			return exitWith(ExitFailure, nil)
		},
	}
}
