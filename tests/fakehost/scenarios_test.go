package fakehost

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The scenario files in tests/scenarios are complete machines (the e2e
// tests copy one file alone), generated from the definitions below: one
// shared healthy base, and for each scenario the few changes that make
// it what it is. Edit here, then:
//
//	go test ./tests/fakehost -run TestScenarioFiles -update

var update = flag.Bool("update", false, "rewrite tests/scenarios/*.json from the definitions in scenarios_test.go")

const scenarioDir = "../scenarios"

const generatedNote = " (Generated from tests/fakehost/scenarios_test.go.)"

// scenarioDefs lists every scenario file and how it is built.
var scenarioDefs = []struct {
	file  string
	build func() *Scenario
}{
	{"healthy", healthy},
	{"healthy-x86", healthyX86},
	{"kb943144", kb943144},
	{"kb943144-x86", kb943144X86},
	{"0x80070002", datastoreCorrupt},
	{"components", components},
	{"french", french},
	{"stuck-service", stuckService},
	{"stuck-stoppending", stuckStopPending},
	{"regsvr32-denied", regsvr32Denied},
	{"junction", junction},
	{"disk-full", diskFull},
	{"crash-midplan", crashMidplan},
	{"trigger-restart", triggerRestart},
	{"store-app-0x80070002", storeApp},
	{"install-0x80070002", installFileNotFound},
	{"repair-source", repairSource},
	{"pending-reboot", pendingReboot},
	{"agent-access-denied", agentAccessDenied},
	{"trigger-scan", triggerScan},
}

// CLSIDs of the simulated registry. The wups2 one is made up: the scripts
// hard-code no CLSID, they look for servers ending in wups2.dll.
const (
	clsidUpdateSession = "{4CB43D7F-7EEE-4906-8698-60DA1C38F2FE}" // Microsoft.Update.Session, in wuapi.dll
	clsidWups2         = "{0F2A9B5E-6C1D-4E8A-B3F7-5D9C2E1A4B60}"
)

// win10DLLs are the DLLs of the classic re-registration list that exist on
// Windows 10 22H2 (the others are absent). size32 0: 64-bit only.
var win10DLLs = []struct {
	name           string
	size64, size32 int64
	version        string
}{
	{"actxprxy.dll", 1042432, 791552, "6.1.7600.16385"},
	{"atl.dll", 94720, 78336, "3.5.2284.0"},
	{"browseui.dll", 1187328, 932352, "10.0.19041.3636"},
	{"cryptdlg.dll", 43520, 34816, "10.0.19041.1"},
	{"dssenh.dll", 225280, 176640, "10.0.19041.1"},
	{"initpki.dll", 192512, 142336, "10.0.19041.1"},
	{"jscript.dll", 819200, 675840, "5.812.10240.16384"},
	{"mshtml.dll", 24870400, 19632128, "11.0.19041.4355"},
	{"msxml3.dll", 1582080, 1216000, "8.110.19041.4355"},
	{"msxml6.dll", 1964032, 1533952, "6.30.19041.4355"},
	{"ole32.dll", 1634304, 1014784, "10.0.19041.4355"},
	{"oleaut32.dll", 853424, 568560, "10.0.19041.4355"},
	{"qmgr.dll", 1335296, 0, "7.8.19041.4355"},
	{"qmgrprxy.dll", 53248, 43008, "7.8.19041.1"},
	{"rsaenh.dll", 289792, 220672, "10.0.19041.4355"},
	{"scrrun.dll", 256512, 194048, "5.812.10240.16384"},
	{"shdocvw.dll", 237568, 185344, "10.0.19041.3636"},
	{"shell32.dll", 7618896, 6262904, "10.0.19041.4355"},
	{"softpub.dll", 19968, 17920, "10.0.19041.1"},
	{"urlmon.dll", 2156032, 1788416, "11.0.19041.4355"},
	{"vbscript.dll", 577536, 471552, "5.812.10240.16384"},
	{"wintrust.dll", 280064, 220160, "10.0.19041.4355"},
	{"wuapi.dll", 1183744, 955392, "10.0.19041.4355"},
	{"wuaueng.dll", 3905536, 0, "10.0.19041.4355"},
	{"wucltux.dll", 479232, 0, "10.0.19041.3996"},
	{"wups.dll", 41984, 35840, "10.0.19041.4355"},
	{"wups2.dll", 57344, 46080, "10.0.19041.4355"},
	{"wuwebv.dll", 203776, 165376, "10.0.19041.3996"},
}

func newFile(size int64) *FileEntry { return &FileEntry{Kind: kindFile, Size: size} }

func newDir() *FileEntry { return &FileEntry{Kind: kindDir} }

func svc(display, status, startType string, pid int, deps ...string) *Service {
	return &Service{DisplayName: display, Status: status, StartType: startType, ProcessID: pid, DependsOn: deps}
}

// healthy is the base: a healthy 64-bit Windows 10 22H2.
func healthy() *Scenario {
	sc := &Scenario{
		Name: "healthy",
		Description: "A healthy 64-bit Windows 10 22H2, elevated: services at their default start types, wups2.dll " +
			"registered in both registry views, the update agent working, the component store Healthy, no update error " +
			"in the last 30 days (one older 0x80070002 lies outside the window). Every other scenario starts from it.",
		Host: DefaultHost(),
	}
	m := &MachineState{Now: DefaultNow, Services: baseServices(), Files: baseFiles(true)}
	m.CLSID = map[string]map[string]string{
		"64": {clsidUpdateSession: `%SystemRoot%\system32\wuapi.dll`, clsidWups2: `%SystemRoot%\system32\wups2.dll`},
		"32": {clsidUpdateSession: `%SystemRoot%\SysWOW64\wuapi.dll`, clsidWups2: `%SystemRoot%\SysWOW64\wups2.dll`},
	}
	m.DLLs = map[string]*DLLBehavior{
		system32 + `\wuapi.dll`: {Registers: []string{clsidUpdateSession}},
		sysWOW64 + `\wuapi.dll`: {Registers: []string{clsidUpdateSession}},
		system32 + `\wups2.dll`: {Registers: []string{clsidWups2}},
		sysWOW64 + `\wups2.dll`: {Registers: []string{clsidWups2}},
	}
	m.UpdateLog = UpdateLog{Available: true, Events: []UpdateEvent{
		{Time: "2024-05-28T03:20:11Z", EventID: 19, KB: "KB5037768", UpdateID: "4f8c3b0e-1d2a-4c55-9b7e-0a6d2e9f1c31"},
		{Time: "2024-05-15T02:58:40Z", EventID: 19, KB: "KB890830", UpdateID: "9d1e7c2b-5a4f-4e0b-8c3d-2f6a1b7e9d04"},
		{Time: "2024-03-14T04:02:17Z", EventID: 20, HResult: 0x80070002, KB: "KB5034441", UpdateID: "a3c1b1d6-7e2f-4a9b-b5c8-3d0e4f1a2b67"},
	}}
	m.ComponentStore = ComponentStore{State: storeHealthy, RestoreHealth: outcomeHealthy}
	sc.Machine = m
	return sc
}

// baseServices: DESIGN.md §5 start types (wuauserv, BITS, AppIDSvc, UsoSvc,
// msiserver, TrustedInstaller Manual; CryptSvc, DoSvc Automatic, DoSvc
// delayed), realistic dependencies (AppIDSvc needs CryptSvc; nothing
// depends on wuauserv) and the files each keeps open.
func baseServices() map[string]*Service {
	sv := map[string]*Service{
		"DcomLaunch":       svc("DCOM Server Process Launcher", statusRunning, startAutomatic, 896),
		"RpcEptMapper":     svc("RPC Endpoint Mapper", statusRunning, startAutomatic, 1020),
		"RpcSs":            svc("Remote Procedure Call (RPC)", statusRunning, startAutomatic, 1020, "DcomLaunch", "RpcEptMapper"),
		"wuauserv":         svc("Windows Update", statusRunning, startManual, 4412, "RpcSs"),
		"BITS":             svc("Background Intelligent Transfer Service", statusRunning, startManual, 2380, "RpcSs"),
		"UsoSvc":           svc("Update Orchestrator Service", statusRunning, startManual, 3120, "RpcSs"),
		"DoSvc":            svc("Delivery Optimization", statusRunning, startAutomatic, 5276, "RpcSs"),
		"CryptSvc":         svc("Cryptographic Services", statusRunning, startAutomatic, 1948, "RpcSs"),
		"AppIDSvc":         svc("Application Identity", statusStopped, startManual, 0, "RpcSs", "CryptSvc"),
		"msiserver":        svc("Windows Installer", statusStopped, startManual, 0, "RpcSs"),
		"TrustedInstaller": svc("Windows Modules Installer", statusStopped, startManual, 0),
		"WaaSMedicSvc":     svc("Windows Update Medic Service", statusStopped, startManual, 0),
	}
	sv["DoSvc"].DelayedAutoStart = true
	sv["wuauserv"].Holds = []string{dataStoreEDB}
	sv["BITS"].Holds = []string{downloaderDir + `\qmgr0.dat`, downloaderDir + `\qmgr1.dat`}
	sv["CryptSvc"].Holds = []string{catroot2Dir + `\{F750E6C3-38EE-11D1-85E5-00C04FC295EE}\catdb`, catroot2Dir + `\edb.log`}
	sv["DoSvc"].Holds = []string{softwareDistribution + `\DeliveryOptimization\State\keyValueLKG.dat`}
	return sv
}

func baseFiles(is64 bool) map[string]*FileEntry {
	f := map[string]*FileEntry{
		system32 + `\regsvr32.exe`:    {Kind: kindFile, Size: 25088, Version: "10.0.19041.1"},
		system32 + `\config\SAM`:      newFile(65536),
		system32 + `\config\SOFTWARE`: newFile(83886080),
		system32 + `\config\SYSTEM`:   newFile(18874368),

		catroot2Dir + `\{F750E6C3-38EE-11D1-85E5-00C04FC295EE}\catdb`: newFile(33554432),
		catroot2Dir + `\edb.chk`: newFile(8192),
		catroot2Dir + `\edb.log`: newFile(1048576),

		dataStoreEDB:                                      {Kind: kindFile, Size: 37748736, History: baseHistory()},
		dataStoreDir + `\Logs\edb.chk`:                    newFile(8192),
		dataStoreDir + `\Logs\edb.log`:                    newFile(1048576),
		downloadDir:                                       newDir(),
		softwareDistribution + `\ReportingEvents.log`:     newFile(524288),
		softwareDistribution + `\PostRebootEventCache.V2`: newDir(),
		softwareDistribution + `\DeliveryOptimization\State\keyValueLKG.dat`: newFile(4096),

		downloaderDir + `\qmgr0.dat`: newFile(16384),
		downloaderDir + `\qmgr1.dat`: newFile(16384),
	}
	for _, d := range win10DLLs {
		size := d.size64
		if !is64 { // the 32-bit build lives in System32 on 32-bit Windows
			size = d.size32
			if size == 0 {
				size = d.size64 * 3 / 4
			}
		}
		f[system32+`\`+d.name] = &FileEntry{Kind: kindFile, Size: size, Version: d.version}
		if is64 && d.size32 > 0 {
			f[sysWOW64+`\`+d.name] = &FileEntry{Kind: kindFile, Size: d.size32, Version: d.version}
		}
	}
	if is64 {
		f[sysWOW64+`\regsvr32.exe`] = &FileEntry{Kind: kindFile, Size: 20480, Version: "10.0.19041.1"}
	}
	return f
}

func baseHistory() []HistoryRecord {
	return []HistoryRecord{
		{Date: "2024-05-28T03:20:11Z", Title: "2024-05 Cumulative Update for Windows 10 Version 22H2 for x64-based Systems (KB5037768)",
			Operation: 1, ResultCode: 2, UpdateID: "4f8c3b0e-1d2a-4c55-9b7e-0a6d2e9f1c31", RevisionNumber: 1, ClientApplicationID: "UpdateOrchestrator"},
		{Date: "2024-05-15T02:58:40Z", Title: "Windows Malicious Software Removal Tool x64 - v5.124 (KB890830)",
			Operation: 1, ResultCode: 2, UpdateID: "9d1e7c2b-5a4f-4e0b-8c3d-2f6a1b7e9d04", RevisionNumber: 200, ClientApplicationID: "UpdateOrchestrator"},
		{Date: "2024-04-10T03:05:52Z", Title: "2024-04 Cumulative Update for Windows 10 Version 22H2 for x64-based Systems (KB5036892)",
			Operation: 1, ResultCode: 2, UpdateID: "1b7a9e3c-8d4f-4b2a-a6e1-5c0d9f3e7b28", RevisionNumber: 1, ClientApplicationID: "UpdateOrchestrator"},
	}
}

// healthyX86 is the base on 32-bit Windows 10: no SysWOW64, one registry view.
func healthyX86() *Scenario {
	sc := healthy()
	sc.Name = "healthy-x86"
	sc.Description = "The healthy base on 32-bit Windows 10 22H2: System32 only (no SysWOW64), one registry view."
	sc.Host.Is64BitOS, sc.Host.Is64BitProcess = false, false
	m := sc.Machine
	m.Files = baseFiles(false)
	delete(m.CLSID, "32")
	for p := range m.DLLs {
		if inside(p, sysWOW64) {
			delete(m.DLLs, p)
		}
	}
	for i := range m.Files[dataStoreEDB].History {
		h := &m.Files[dataStoreEDB].History[i]
		h.Title = strings.ReplaceAll(h.Title, "x64-based", "x86-based")
		h.Title = strings.ReplaceAll(h.Title, "Tool x64", "Tool")
	}
	return sc
}

// unregisterWups2 removes every CLSID naming wups2.dll: KB943144.
func unregisterWups2(m *MachineState) {
	for _, view := range m.CLSID {
		delete(view, clsidWups2)
	}
}

func kb943144() *Scenario {
	sc := healthy()
	sc.Name = "kb943144"
	sc.Description = "KB943144 on 64-bit Windows: wups2.dll is in System32 and SysWOW64 but registered in neither registry view, " +
		"so the update agent's COM API fails with 0x80040154 until both are registered (regsvr32 succeeds). No other fault."
	unregisterWups2(sc.Machine)
	return sc
}

func kb943144X86() *Scenario {
	sc := healthyX86()
	sc.Name = "kb943144-x86"
	sc.Description = "KB943144 on 32-bit Windows: wups2.dll is in System32 (there is no SysWOW64) and not registered; " +
		"the update agent fails with 0x80040154 until it is. No other fault."
	unregisterWups2(sc.Machine)
	return sc
}

// datastoreCorrupt is the 0x80070002 machine: a corrupt DataStore.
func datastoreCorrupt() *Scenario {
	sc := healthy()
	sc.Name = "0x80070002"
	sc.Description = "A corrupt update store: a large DataStore with logs, a Download folder with content, and download " +
		"failures 0x80070002 (and a scan failure 0x80242006) for KB5034441 in the last days. wuauserv, BITS, UsoSvc, DoSvc " +
		"and CryptSvc run. A DataStore/Download reset fixes it; the history lives in DataStore.edb and goes with it. " +
		"(0x80070002 while installing is the component store's: see install-0x80070002.)"
	m := sc.Machine
	edb := m.Files[dataStoreEDB]
	edb.Size = 612368384
	edb.History = append([]HistoryRecord{
		{Date: "2024-05-30T03:12:40Z", Title: "2024-01 Security Update for Windows 10 Version 22H2 for x64-based Systems (KB5034441)",
			Operation: 1, ResultCode: 4, HResult: 0x80070002, UpdateID: "a3c1b1d6-7e2f-4a9b-b5c8-3d0e4f1a2b67", RevisionNumber: 201, ClientApplicationID: "UpdateOrchestrator"},
		{Date: "2024-05-27T03:10:02Z", Title: "2024-01 Security Update for Windows 10 Version 22H2 for x64-based Systems (KB5034441)",
			Operation: 1, ResultCode: 4, HResult: 0x80070002, UpdateID: "a3c1b1d6-7e2f-4a9b-b5c8-3d0e4f1a2b67", RevisionNumber: 201, ClientApplicationID: "UpdateOrchestrator"},
	}, edb.History...)
	for p, e := range map[string]*FileEntry{
		dataStoreDir + `\tmp.edb`:                                                       newFile(65536),
		dataStoreDir + `\Logs\edb00012.log`:                                             newFile(1048576),
		dataStoreDir + `\Logs\edb00013.log`:                                             newFile(1048576),
		dataStoreDir + `\Logs\edbres00001.jrs`:                                          newFile(1048576),
		dataStoreDir + `\Logs\edbres00002.jrs`:                                          newFile(1048576),
		dataStoreDir + `\Logs\SharedDB\edb.log`:                                         newFile(524288),
		downloadDir + `\0c5d5f3a1b9e4c7d8f2a6b1e3c9d7f40\Windows10.0-KB5034441-x64.cab`: newFile(262144000),
		downloadDir + `\0c5d5f3a1b9e4c7d8f2a6b1e3c9d7f40\metadata.xml`:                  newFile(18432),
		downloadDir + `\7e2b9c4d1a3f5e6b8c0d2f4a6b8c0e1d\express.psf`:                   newFile(157286400),
		downloadDir + `\SharedFileCache`:                                                newDir(),
	} {
		m.Files[p] = e
	}
	m.UpdateLog.Events = append(m.UpdateLog.Events,
		UpdateEvent{Time: "2024-05-30T03:12:40Z", EventID: 31, HResult: 0x80070002, KB: "KB5034441", UpdateID: "a3c1b1d6-7e2f-4a9b-b5c8-3d0e4f1a2b67"},
		UpdateEvent{Time: "2024-05-29T15:41:09Z", EventID: 25, HResult: 0x80242006, UpdateID: ""},
		UpdateEvent{Time: "2024-05-27T03:10:02Z", EventID: 31, HResult: 0x80070002, KB: "KB5034441", UpdateID: "a3c1b1d6-7e2f-4a9b-b5c8-3d0e4f1a2b67"},
		UpdateEvent{Time: "2024-05-26T22:03:55Z", EventID: 31, HResult: 0x80070002, KB: "KB5034441", UpdateID: "a3c1b1d6-7e2f-4a9b-b5c8-3d0e4f1a2b67"},
	)
	return sc
}

// storeApp: a Microsoft Store app fails to install with 0x80070002. The
// event's service is the Store's: no reason to touch the OS update store.
func storeApp() *Scenario {
	sc := healthy()
	sc.Name = "store-app-0x80070002"
	sc.Description = "A Microsoft Store app (9NTXGKQ8P7N0-MicrosoftWindows.CrossDevice) failed to install with 0x80070002; " +
		"its events carry the Store's service id. Windows Update itself is healthy: no repair, a finding says what was left out."
	sc.Machine.UpdateLog.Events = append(sc.Machine.UpdateLog.Events,
		UpdateEvent{Time: "2024-05-31T09:00:00Z", EventID: 20, HResult: 0x80070002, UpdateID: "26dcdf7b-51f5-4f3b-9fe6-49e2520f37a6",
			Service: "855e8a7c-ecb4-4ca3-b045-1dfa50104289"},
		UpdateEvent{Time: "2024-05-30T09:00:00Z", EventID: 20, HResult: 0x80070002, UpdateID: "26dcdf7b-51f5-4f3b-9fe6-49e2520f37a6",
			Service: "855e8a7c-ecb4-4ca3-b045-1dfa50104289"},
	)
	return sc
}

// installFileNotFound: 0x80070002 while installing a cumulative update
// is the component store's (a payload file missing), not the update store's.
func installFileNotFound() *Scenario {
	sc := healthy()
	sc.Name = "install-0x80070002"
	sc.Description = "KB5037768 failed to install (event 20) with 0x80070002 twice: a file the servicing stack needs is " +
		"missing from the component store. CheckHealth has no flag set (Healthy); RestoreHealth finds and repairs it. " +
		"Plan components, not a DataStore reset."
	m := sc.Machine
	m.ComponentStore = ComponentStore{State: storeRepairable, Flag: storeHealthy, RestoreHealth: outcomeHealthy}
	m.UpdateLog.Events = append(m.UpdateLog.Events,
		UpdateEvent{Time: "2024-05-31T03:15:27Z", EventID: 20, HResult: 0x80070002, KB: "KB5037768", UpdateID: "4f8c3b0e-1d2a-4c55-9b7e-0a6d2e9f1c31"},
		UpdateEvent{Time: "2024-05-24T03:11:45Z", EventID: 20, HResult: 0x80070002, KB: "KB5037768", UpdateID: "4f8c3b0e-1d2a-4c55-9b7e-0a6d2e9f1c31"},
	)
	return sc
}

// repairSource: a WSUS-managed machine whose update fails with
// 0x800F0954: RestoreHealth cannot get its files from WSUS, only from a
// source the admin gives.
func repairSource() *Scenario {
	sc := healthy()
	sc.Name = "repair-source"
	sc.Description = "A WSUS-managed machine: KB5037768 fails to install with 0x800F0954 (the WSUS server has no repair " +
		"content). RestoreHealth without a source fails the same way; with --source (a mounted image) it repairs. " +
		"Without --source: advice, no plan; with it: plan components."
	m := sc.Machine
	m.ComponentStore = ComponentStore{State: storeRepairable, Flag: storeHealthy, RestoreHealth: outcomeWSUSNoContent, RestoreHealthWithSource: outcomeHealthy}
	m.UpdateLog.Events = append(m.UpdateLog.Events,
		UpdateEvent{Time: "2024-05-31T03:15:27Z", EventID: 20, HResult: 0x800F0954, KB: "KB5037768", UpdateID: "4f8c3b0e-1d2a-4c55-9b7e-0a6d2e9f1c31",
			Service: "3da21691-e39d-4da6-8a4b-b43877bcb1b7"},
	)
	return sc
}

// pendingReboot: the 0x80070002 machine while servicing waits for a
// restart (CBS RebootPending, WU RebootRequired).
func pendingReboot() *Scenario {
	sc := datastoreCorrupt()
	sc.Name = "pending-reboot"
	sc.Description = "The 0x80070002 machine while Windows servicing waits for a reboot (CBS RebootPending, Windows Update " +
		"RebootRequired, pending.xml). repair refuses the datastore plan (exit 7) until the reboot; --force overrides."
	sc.Machine.PendingReboot = []string{"CBSRebootPending", "PendingXml", "WURebootRequired"}
	return sc
}

// agentAccessDenied: the update agent's COM API fails with access denied
// (a security product or changed permissions): re-registering its DLLs
// would not help.
func agentAccessDenied() *Scenario {
	sc := healthy()
	sc.Name = "agent-access-denied"
	sc.Description = "Creating Microsoft.Update.Session fails with 0x80070005 (access denied: a security product or changed " +
		"DCOM permissions). Not a registration error: advice naming the cause, no reset."
	sc.Machine.Faults.AgentFails = map[string]HResult{"CreateSession": 0x80070005}
	return sc
}

func components() *Scenario {
	sc := healthy()
	sc.Name = "components"
	sc.Description = "A damaged component store: CheckHealth says Repairable, KB5037768 failed with 0x800F081F; " +
		"RestoreHealth repairs it (Healthy). A DataStore reset would not help."
	m := sc.Machine
	m.ComponentStore = ComponentStore{State: storeRepairable, RestoreHealth: outcomeHealthy}
	m.UpdateLog.Events = append(m.UpdateLog.Events,
		UpdateEvent{Time: "2024-05-31T03:15:27Z", EventID: 20, HResult: 0x800F081F, KB: "KB5037768", UpdateID: "4f8c3b0e-1d2a-4c55-9b7e-0a6d2e9f1c31"},
		UpdateEvent{Time: "2024-05-24T03:11:45Z", EventID: 20, HResult: 0x800F081F, KB: "KB5037768", UpdateID: "4f8c3b0e-1d2a-4c55-9b7e-0a6d2e9f1c31"},
	)
	// The cumulative update never installed: it is not in the history.
	edb := m.Files[dataStoreEDB]
	edb.History = edb.History[1:]
	for i, e := range m.UpdateLog.Events {
		if e.EventID == 19 && e.KB == "KB5037768" {
			m.UpdateLog.Events = append(m.UpdateLog.Events[:i], m.UpdateLog.Events[i+1:]...)
			break
		}
	}
	return sc
}

// frenchNames are the services' display names on a fr-FR Windows.
var frenchNames = map[string]string{
	"DcomLaunch":       "Lanceur de processus serveur DCOM",
	"RpcEptMapper":     "Mappeur de point de terminaison RPC",
	"RpcSs":            "Appel de procédure distante (RPC)",
	"wuauserv":         "Windows Update",
	"BITS":             "Service de transfert intelligent en arrière-plan",
	"UsoSvc":           "Service Orchestrateur de mises à jour",
	"DoSvc":            "Optimisation de livraison",
	"CryptSvc":         "Services de chiffrement",
	"AppIDSvc":         "Identité de l’application",
	"msiserver":        "Windows Installer",
	"TrustedInstaller": "Programme d’installation pour les modules Windows",
	"WaaSMedicSvc":     "Service Windows Update Medic",
}

func french() *Scenario {
	sc := datastoreCorrupt()
	sc.Name = "french"
	sc.Description = "The 0x80070002 machine on a French Windows (fr-FR): localized service names, warnings and error " +
		"messages (accents), OEM-code-page noise on stdout. wurepair must not parse any of it."
	sc.Host.Culture, sc.Host.UICulture = "fr-FR", "fr-FR"
	sc.Faults.French = true
	for name, s := range sc.Machine.Services {
		s.DisplayName = frenchNames[name]
	}
	return sc
}

func stuckService() *Scenario {
	sc := datastoreCorrupt()
	sc.Name = "stuck-service"
	sc.Description = "The 0x80070002 machine whose wuauserv never acknowledges a stop (SCM error 1053): " +
		"it stays Running (process 4412, DataStore.edb open) whatever the timeout."
	sc.Machine.Services["wuauserv"].StopBehavior = behaviorIgnores
	return sc
}

func stuckStopPending() *Scenario {
	sc := datastoreCorrupt()
	sc.Name = "stuck-stoppending"
	sc.Description = "The 0x80070002 machine whose wuauserv hangs while stopping: a stop leaves it StopPending " +
		"(process 4412 alive, DataStore.edb still open) and it can then neither stop nor start."
	sc.Machine.Services["wuauserv"].StopBehavior = behaviorHang
	return sc
}

func regsvr32Denied() *Scenario {
	sc := kb943144()
	sc.Name = "regsvr32-denied"
	sc.Description = "The kb943144 machine where regsvr32 cannot register wups2.dll (exit code 5: its DllRegisterServer " +
		"failed) in either folder: the registration stays missing. (The name is historical: exit 5 says nothing about access.)"
	for _, p := range []string{system32 + `\wups2.dll`, sysWOW64 + `\wups2.dll`} {
		sc.Machine.DLLs[p].Regsvr32Exit = 5
	}
	return sc
}

func junction() *Scenario {
	sc := datastoreCorrupt()
	sc.Name = "junction"
	sc.Description = `The 0x80070002 machine with a junction planted inside DataStore (DataStore\Config → ` +
		`C:\Windows\System32\config). Sizes and renames never follow it; deleting a backup must not touch its target.`
	sc.Machine.Files[dataStoreDir+`\Config`] = &FileEntry{Kind: kindJunction, Target: system32 + `\config`}
	return sc
}

func diskFull() *Scenario {
	sc := datastoreCorrupt()
	sc.Name = "disk-full"
	sc.Description = "The 0x80070002 machine where renaming Download fails with 0x80070070 (disk full); " +
		"renaming DataStore works."
	sc.Machine.Faults.RenameFails = map[string]HResult{downloadDir: hrDiskFull}
	return sc
}

func crashMidplan() *Scenario {
	sc := datastoreCorrupt()
	sc.Name = "crash-midplan"
	sc.Description = "The 0x80070002 machine whose PowerShell host dies (exit code 3, half a reply) during the 2nd " +
		"Backup-WurFolder call, after that call renamed its folder: the 1st backup (and the services stopped) are " +
		"already done. Counted across host processes: the restarted host does not crash again."
	sc.Machine.Faults.CrashOnScript = &CrashKnob{Script: "Backup-WurFolder", Call: 2}
	return sc
}

func triggerRestart() *Scenario {
	sc := datastoreCorrupt()
	sc.Name = "trigger-restart"
	sc.Description = "The 0x80070002 machine where wuauserv comes back right after it stops (UsoSvc trigger, Windows 10+) " +
		"unless UsoSvc was stopped first; renaming DataStore while it runs fails with 0x80070020 (DataStore.edb in use)."
	sc.Machine.Services["wuauserv"].StopBehavior = behaviorRestarts
	return sc
}

// triggerScan: a trigger that is not UsoSvc (WaaSMedicSvc, the
// UpdateOrchestrator "Schedule Scan" task) starts wuauserv again once
// between the plan's stop and its rename. Tests raise the count to 2 to
// make it come back after the second stop too.
func triggerScan() *Scenario {
	sc := datastoreCorrupt()
	sc.Name = "trigger-scan"
	sc.Description = "The 0x80070002 machine where a trigger wurepair does not stop (WaaSMedicSvc, a scheduled scan) starts wuauserv again " +
		"once right after it stops, even with UsoSvc stopped; renaming DataStore while it runs fails with 0x80070020 (DataStore.edb in use)."
	sc.Machine.Services["wuauserv"].TriggerRestarts = 1
	return sc
}

// render is the file content of a scenario definition.
func render(t *testing.T, sc *Scenario) []byte {
	t.Helper()
	sc.Description += generatedNote
	if err := sc.Machine.normalize(sc.Host); err != nil {
		t.Fatalf("%s: %v", sc.Name, err)
	}
	raw, err := encodeJSON(sc)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// The files are exactly what the definitions give (-update rewrites them),
// and there is no file without a definition.
func TestScenarioFiles(t *testing.T) {
	want := map[string]bool{}
	for _, d := range scenarioDefs {
		want[d.file+".json"] = true
		sc := d.build()
		if sc.Name != d.file {
			t.Errorf("%s builds a scenario named %q", d.file, sc.Name)
		}
		raw := render(t, sc)
		path := filepath.Join(scenarioDir, d.file+".json")
		if *update {
			if err := os.WriteFile(path, raw, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test ./tests/fakehost -run TestScenarioFiles -update writes it)", err)
		}
		if !bytes.Equal(got, raw) {
			t.Errorf("%s differs from its definition in scenarios_test.go (edit the definition, then -update)", path)
		}
	}
	files, _ := filepath.Glob(filepath.Join(scenarioDir, "*.json"))
	var stray []string
	for _, f := range files {
		if !want[filepath.Base(f)] {
			stray = append(stray, f)
		}
	}
	sort.Strings(stray)
	if len(stray) > 0 {
		t.Errorf("scenario files without a definition: %v", stray)
	}
}
