package orchestrator

import (
	"strings"
	"testing"

	"github.com/wurepair/wurepair/scripts"
)

// Which holders refuse which plan (issue 20 item 4): only those the
// plan's own stops do not release, only in the folders it moves.
func TestHoldersRefuseOnlyWhatThePlanDoesNotStop(t *testing.T) {
	svc := func(name string, pid int) scripts.FileHolder {
		return scripts.FileHolder{ProcessId: pid, ServiceName: name, ProcessName: "svchost", ApplicationType: 3, Name: "localized"}
	}
	worker := scripts.FileHolder{ProcessId: 7788, ProcessName: "TiWorker", Name: "Windows Modules Installer Worker"}
	f := &Facts{Holders: []FolderHolders{
		{Folder: "DataStore", Path: `C:\Windows\SoftwareDistribution\DataStore`, Holders: []scripts.FileHolder{svc("wuauserv", 4412)}},
		{Folder: "Download", Path: `C:\Windows\SoftwareDistribution\Download`, Holders: []scripts.FileHolder{svc("DoSvc", 5276)}},
		{Folder: "catroot2", Path: `C:\Windows\System32\catroot2`, Holders: []scripts.FileHolder{svc("CryptSvc", 1948), worker}},
	}}
	if r := refuseHolders(f, "datastore"); r == nil || !strings.Contains(r.Reason, "service DoSvc (svchost.exe, process id 5276)") ||
		strings.Contains(r.Reason, "wuauserv") || strings.Contains(r.Reason, "catroot2") || strings.Contains(r.Reason, "localized") {
		t.Errorf("datastore: %+v", r)
	}
	// reset stops DoSvc and CryptSvc; TiWorker in catroot2 still blocks it.
	if r := refuseHolders(f, "reset"); r == nil || !strings.Contains(r.Reason, "TiWorker.exe (process id 7788)") ||
		strings.Contains(r.Reason, "DoSvc") || strings.Contains(r.Reason, "CryptSvc") {
		t.Errorf("reset: %+v", r)
	}
	// Where AppIDSvc runs, the reset leaves catroot2 alone: TiWorker is no obstacle.
	f.Services = []scripts.ServiceInfo{{Name: "AppIDSvc", Exists: true, Status: "Running"}}
	if r := refuseHolders(f, "reset"); r != nil {
		t.Errorf("reset without catroot2: %+v", r)
	}
	if r := refuseHolders(f, "wups2"); r != nil {
		t.Errorf("wups2 renames nothing: %+v", r)
	}
	if got := holderName(scripts.FileHolder{ProcessId: 9}); got != "process id 9" {
		t.Errorf("a holder with no name: %q", got)
	}
}
