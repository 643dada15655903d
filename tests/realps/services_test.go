package realps

import (
	"testing"

	"github.com/wurepair/wurepair/scripts"
	"github.com/wurepair/wurepair/tests/fakehost"
)

var allServices = []string{"wuauserv", "BITS", "CryptSvc", "UsoSvc", "DoSvc", "RpcSs", "TrustedInstaller", "WaaSMedicSvc", "msiserver", "AppIDSvc", "nosuchsvc", "WUAUSERV"}

func TestServiceScripts(t *testing.T) {
	st := scripts.ServiceStateResult{}
	stop := scripts.StopServiceResult{}
	start := scripts.StartServiceResult{}
	set := scripts.SetStartTypeResult{}
	probe := step{name: "state", script: "Get-WurServiceState", params: map[string]any{"Names": allServices}, typ: st}
	cases := map[string][]step{
		"healthy": {
			probe,
			{name: "stop with running dependents, not asked", script: "Stop-WurService", params: map[string]any{"Name": "RpcSs", "TimeoutSec": 5}, typ: stop},
			{name: "stop whatif", script: "Stop-WurService", params: map[string]any{"Name": "wuauserv", "TimeoutSec": 5}, checkMode: true, typ: stop},
			{name: "stop UsoSvc", script: "Stop-WurService", params: map[string]any{"Name": "UsoSvc", "TimeoutSec": 5}, typ: stop},
			{name: "stop wuauserv", script: "Stop-WurService", params: map[string]any{"Name": "wuauserv", "TimeoutSec": 5}, typ: stop},
			{name: "stop stopped", script: "Stop-WurService", params: map[string]any{"Name": "wuauserv", "TimeoutSec": 5}, typ: stop},
			{name: "stop CryptSvc and dependents", script: "Stop-WurService", params: map[string]any{"Name": "CryptSvc", "TimeoutSec": 5, "StopDependents": true}, typ: stop},
			{name: "unknown", script: "Stop-WurService", params: map[string]any{"Name": "nosuchsvc", "TimeoutSec": 5}, fqid: "WurServiceNotFound", typ: stop},
			{name: "wildcard is no name", script: "Stop-WurService", params: map[string]any{"Name": "wu*", "TimeoutSec": 5}, fqid: "WurServiceNotFound", typ: stop},
			probe,
			{name: "start wuauserv", script: "Start-WurService", params: map[string]any{"Name": "wuauserv", "TimeoutSec": 5}, typ: start},
			{name: "start running", script: "Start-WurService", params: map[string]any{"Name": "wuauserv", "TimeoutSec": 5}, typ: start},
			{name: "start whatif", script: "Start-WurService", params: map[string]any{"Name": "UsoSvc", "TimeoutSec": 5}, checkMode: true, typ: start},
			{name: "start unknown", script: "Start-WurService", params: map[string]any{"Name": "nosuchsvc", "TimeoutSec": 5}, fqid: "WurServiceNotFound", typ: start},
			{name: "disable", script: "Set-WurServiceStartType", params: map[string]any{"Name": "wuauserv", "StartType": "disabled"}, typ: set},
			{name: "start disabled", script: "Start-WurService", params: map[string]any{"Name": "UsoSvc", "TimeoutSec": 5}, typ: start},
			{name: "DoSvc delayed to manual", script: "Set-WurServiceStartType", params: map[string]any{"Name": "DoSvc", "StartType": "Manual"}, typ: set},
			{name: "DoSvc back to delayed automatic", script: "Set-WurServiceStartType", params: map[string]any{"Name": "DoSvc", "StartType": "Automatic", "DelayedAutoStart": true}, typ: set},
			{name: "set whatif", script: "Set-WurServiceStartType", params: map[string]any{"Name": "BITS", "StartType": "Automatic", "DelayedAutoStart": true}, checkMode: true, typ: set},
			{name: "set boot refused", script: "Set-WurServiceStartType", params: map[string]any{"Name": "BITS", "StartType": "Boot"}, fqid: "WurStartTypeRefused", typ: set},
			{name: "set unknown", script: "Set-WurServiceStartType", params: map[string]any{"Name": "nosuchsvc", "StartType": "Manual"}, fqid: "WurServiceNotFound", typ: set},
			probe,
		},
		"stuck-service": {
			probe,
			{name: "stop UsoSvc", script: "Stop-WurService", params: map[string]any{"Name": "UsoSvc", "TimeoutSec": 2}, typ: stop},
			{name: "stop the stuck one", script: "Stop-WurService", params: map[string]any{"Name": "wuauserv", "TimeoutSec": 2}, typ: stop},
			probe,
		},
		"stuck-stoppending": {
			probe,
			{name: "stop UsoSvc", script: "Stop-WurService", params: map[string]any{"Name": "UsoSvc", "TimeoutSec": 2}, typ: stop},
			{name: "stop the hung one", script: "Stop-WurService", params: map[string]any{"Name": "wuauserv", "TimeoutSec": 2}, typ: stop},
			{name: "start while stop pending", script: "Start-WurService", params: map[string]any{"Name": "wuauserv", "TimeoutSec": 2}, typ: start},
			{name: "stop dependents, one of them hung", script: "Stop-WurService", params: map[string]any{"Name": "RpcSs", "TimeoutSec": 2, "StopDependents": true}, typ: stop},
			probe,
		},
		"trigger-restart": {
			probe,
			{name: "stop wuauserv, UsoSvc running", script: "Stop-WurService", params: map[string]any{"Name": "wuauserv", "TimeoutSec": 5}, typ: stop},
			probe,
			{name: "stop UsoSvc", script: "Stop-WurService", params: map[string]any{"Name": "UsoSvc", "TimeoutSec": 5}, typ: stop},
			{name: "stop wuauserv again", script: "Stop-WurService", params: map[string]any{"Name": "wuauserv", "TimeoutSec": 5}, typ: stop},
			probe,
		},
	}
	// A host that is not elevated: every SCM change is access denied (5).
	cases["not-elevated"] = []step{
		{name: "stop denied", script: "Stop-WurService", params: map[string]any{"Name": "UsoSvc", "TimeoutSec": 2}, typ: stop},
		{name: "start denied", script: "Start-WurService", params: map[string]any{"Name": "msiserver", "TimeoutSec": 2}, typ: start},
		{name: "set denied", script: "Set-WurServiceStartType", params: map[string]any{"Name": "BITS", "StartType": "Disabled"}, fqid: "WurStartTypeNotSet", typ: set},
		{name: "set unchanged writes nothing", script: "Set-WurServiceStartType", params: map[string]any{"Name": "BITS", "StartType": "Manual"}, typ: set},
		probe,
	}
	for scen, steps := range cases {
		t.Run(scen, func(t *testing.T) {
			t.Parallel()
			file, mutate := scen, []func(*fakehost.Scenario){}
			if scen == "not-elevated" {
				file = "healthy"
				mutate = append(mutate, func(sc *fakehost.Scenario) { sc.Host.IsAdmin = false })
			}
			m := newMachine(t, scenarioPath(t, file), mutate...)
			runSteps(t, newEngines(t, m, "Machine.ps1", "Registry.ps1", "Services.ps1"), steps)
		})
	}
}
