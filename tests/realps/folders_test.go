package realps

import (
	"testing"

	"github.com/wurepair/wurepair/scripts"
)

func TestSoftwareDistributionProbe(t *testing.T) {
	for _, scen := range []string{"healthy", "junction"} {
		t.Run(scen, func(t *testing.T) {
			m := newMachine(t, scenarioPath(t, scen))
			e := newEngines(t, m)
			o := e.both("Get-WurSoftwareDistribution", nil, false)
			e.compare("Get-WurSoftwareDistribution", o, scripts.SoftwareDistributionResult{})
		})
	}
}

