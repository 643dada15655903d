package scripts

// Result types: one per script, decoded strictly (ps.Result.Decode) from the
// single object each script returns. Field names are the PowerShell property
// names. Each type's JSON keys must equal its manifest entry's "result"
// names (types_test.go checks). Enums travel as strings ([string]$x), dates
// as ISO 8601 ('o'), HRESULTs as "0x%08X" strings or int64.

// EchoResult is Test-WurEcho's result.
type EchoResult struct {
	Text   string   `json:"Text"`
	Length int      `json:"Length"`
	Items  []string `json:"Items"`
}

// ServiceInfo is one service. Status is a ServiceControllerStatus name
// (Stopped, StartPending, StopPending, Running, ContinuePending,
// PausePending, Paused); StartType a ServiceStartMode name (Automatic,
// Manual, Disabled, Boot, System). Both are "" when the service does not exist.
type ServiceInfo struct {
	Name               string   `json:"Name"`
	Exists             bool     `json:"Exists"`
	Status             string   `json:"Status"`
	StartType          string   `json:"StartType"`
	DelayedAutoStart   bool     `json:"DelayedAutoStart"`
	ProcessId          int      `json:"ProcessId"`
	DependentServices  []string `json:"DependentServices"`
	ServicesDependedOn []string `json:"ServicesDependedOn"`
}

// ServiceStateResult is Get-WurServiceState's result (one entry per name
// asked, in order). WmiHResult is not 0 when WMI (asked for process ids
// only, with a timeout) hung or failed: every ProcessId is then 0 and the
// rest comes from the Service Control Manager.
type ServiceStateResult struct {
	Services   []ServiceInfo `json:"Services"`
	WmiHResult int64         `json:"WmiHResult"`
}

// StopServiceResult is Stop-WurService's result. Stopped is false when the
// service was still not Stopped after TimeoutSec: the script kills nothing.
// Win32Error is the Service Control Manager's refusal (the NativeErrorCode
// of the Win32Exception inside ServiceController's exception: 5 access
// denied / protected service, 1051 dependents running, 1053 no response,
// 1061 cannot accept the control); 0 when none (stopped, or accepted but
// not Stopped in time). WmiHResult: as in ServiceStateResult.
type StopServiceResult struct {
	Name              string   `json:"Name"`
	PreviousStatus    string   `json:"PreviousStatus"`
	Status            string   `json:"Status"`
	Stopped           bool     `json:"Stopped"`
	ProcessId         int      `json:"ProcessId"`
	StoppedDependents []string `json:"StoppedDependents"`
	Win32Error        int      `json:"Win32Error"`
	WmiHResult        int64    `json:"WmiHResult"`
	WhatIf            bool     `json:"WhatIf"`
}

// StartServiceResult is Start-WurService's result. Win32Error is the
// Service Control Manager's refusal (5 access denied, 1053 no response,
// 1058 disabled, 1068 a dependency failed); 0 when none.
type StartServiceResult struct {
	Name           string `json:"Name"`
	PreviousStatus string `json:"PreviousStatus"`
	Status         string `json:"Status"`
	Started        bool   `json:"Started"`
	Win32Error     int    `json:"Win32Error"`
	WhatIf         bool   `json:"WhatIf"`
}

// SetStartTypeResult is Set-WurServiceStartType's result: StartType and
// DelayedAutoStart are read back through the SCM after sc.exe config.
// WmiHResult is not 0 when WMI failed and the delayed flag was read from
// the registry instead.
type SetStartTypeResult struct {
	Name                     string `json:"Name"`
	PreviousStartType        string `json:"PreviousStartType"`
	PreviousDelayedAutoStart bool   `json:"PreviousDelayedAutoStart"`
	StartType                string `json:"StartType"`
	DelayedAutoStart         bool   `json:"DelayedAutoStart"`
	WmiHResult               int64  `json:"WmiHResult"`
	WhatIf                   bool   `json:"WhatIf"`
}

// DllFile is one copy of a DLL. View is "64" (System32 on 64-bit Windows,
// or the only view on 32-bit) or "32" (SysWOW64).
type DllFile struct {
	Name    string `json:"Name"`
	Path    string `json:"Path"`
	Exists  bool   `json:"Exists"`
	Version string `json:"Version"`
	View    string `json:"View"`
}

// ComRegistration is a CLSID whose InprocServer32 default value names the DLL.
type ComRegistration struct {
	Clsid  string `json:"Clsid"`
	View   string `json:"View"`
	Server string `json:"Server"`
}

// Wups2Result is Get-WurWups2Registration's result.
type Wups2Result struct {
	Is64BitOS     bool              `json:"Is64BitOS"`
	Files         []DllFile         `json:"Files"`
	Registrations []ComRegistration `json:"Registrations"`
}

// FileHolder is one process the Restart Manager says uses a file: a
// service (ServiceName set, ApplicationType 3) or another process.
type FileHolder struct {
	ProcessId       int    `json:"ProcessId"`
	Name            string `json:"Name"`
	ServiceName     string `json:"ServiceName"`
	ApplicationType int    `json:"ApplicationType"`
	// ProcessName is the image name without .exe (svchost for a shared
	// service host; "" when the process ended): never localized.
	ProcessName string `json:"ProcessName"`
}

// FileHoldersResult is Get-WurFileHolders' result. Win32Error is the
// Restart Manager's error (0: Holders is the answer).
type FileHoldersResult struct {
	Path         string       `json:"Path"`
	Holders      []FileHolder `json:"Holders"`
	FilesChecked int          `json:"FilesChecked"`
	Truncated    bool         `json:"Truncated"`
	Win32Error   int          `json:"Win32Error"`
}

// DllPresenceResult is Get-WurDllPresence's result: each name looked up in
// System32 and, on 64-bit Windows, SysWOW64.
type DllPresenceResult struct {
	Files []DllFile `json:"Files"`
}

// FolderInfo describes one folder wurepair may back up.
type FolderInfo struct {
	Name           string   `json:"Name"`
	Path           string   `json:"Path"`
	Exists         bool     `json:"Exists"`
	IsReparsePoint bool     `json:"IsReparsePoint"`
	Files          int64    `json:"Files"`
	Bytes          int64    `json:"Bytes"`
	ReparsePoints  []string `json:"ReparsePoints"` // inside it, never followed
	// Unreadable are the folders in it (or itself) that could not be
	// listed (access denied, path too long): a link could hide there.
	Unreadable []string `json:"Unreadable"`
}

// BackupInfo is one backup wurepair left: <original>.wurepair-<runid>.
type BackupInfo struct {
	Path     string `json:"Path"`
	Original string `json:"Original"`
	RunId    string `json:"RunId"`
	Created  string `json:"Created"`
	Bytes    int64  `json:"Bytes"`
}

// SoftwareDistributionResult is Get-WurSoftwareDistribution's result.
// Folders holds, in order: SoftwareDistribution, DataStore, Download,
// catroot2, Downloader (the BITS queue folder with qmgr*.dat).
type SoftwareDistributionResult struct {
	Folders []FolderInfo `json:"Folders"`
	Backups []BackupInfo `json:"Backups"`
}

// UpdateErrorEvent is one failure from the WindowsUpdateClient operational
// log, read from the event's named data (never its message text).
type UpdateErrorEvent struct {
	TimeCreated string `json:"TimeCreated"`
	EventId     int    `json:"EventId"`
	HResult     string `json:"HResult"` // "0x80070002"
	KB          string `json:"KB"`      // "KB5034441" or ""
	UpdateId    string `json:"UpdateId"`
	// ServiceId is the event's serviceGuid (lower case, no braces; "" when
	// the event has none): which update service failed (Windows Update,
	// Microsoft Update, WSUS, the Microsoft Store ...).
	ServiceId string `json:"ServiceId"`
}

// UpdateErrorsResult is Get-WurUpdateErrors' result.
type UpdateErrorsResult struct {
	LogAvailable bool               `json:"LogAvailable"`
	Events       []UpdateErrorEvent `json:"Events"`
}

// PendingRebootResult is Get-WurPendingReboot's result. Reasons are our own
// identifiers, in this order: CBSRebootPending, CBSRebootInProgress,
// CBSPackagesPending, PendingXml, WURebootRequired, WUServicesPending,
// UpdateExeVolatile, PendingFileRename, PendingFileRename2. RebootPending
// is true for every reason but the last two: the file-rename queues alone
// (antivirus, drivers) are information, not a required reboot.
type PendingRebootResult struct {
	RebootPending bool     `json:"RebootPending"`
	Reasons       []string `json:"Reasons"`
}

// AgentProbeResult is Test-WurUpdateAgent's result: can the update agent's
// COM API be created, asked for a searcher, and reach the update service
// (GetTotalHistoryCount). FailedCall names the call that failed
// (CreateSession, CreateUpdateSearcher, GetTotalHistoryCount; "" when all
// worked) and HResult its HRESULT (0 on success).
type AgentProbeResult struct {
	SessionCreated  bool   `json:"SessionCreated"`
	SearcherCreated bool   `json:"SearcherCreated"`
	ServiceReached  bool   `json:"ServiceReached"`
	FailedCall      string `json:"FailedCall"`
	HResult         int64  `json:"HResult"`
	AgentVersion    string `json:"AgentVersion"`
}

// ComponentHealthResult is Get-WurComponentHealth's and
// Repair-WurComponentStore's result. ImageHealthState is Healthy,
// Repairable or NonRepairable. SourceMissing reports a RestoreHealth that
// failed for want of repair files (0x800F081F, 0x800F0906, 0x800F0907,
// 0x800F0954: "repair source unavailable").
type ComponentHealthResult struct {
	ImageHealthState string `json:"ImageHealthState"`
	RestartNeeded    bool   `json:"RestartNeeded"`
	SourceMissing    bool   `json:"SourceMissing"`
	HResult          int64  `json:"HResult"`
	WhatIf           bool   `json:"WhatIf"`
}

// HistoryEntry is one entry of the update agent's history.
type HistoryEntry struct {
	Date                string `json:"Date"`
	Title               string `json:"Title"`
	Operation           int    `json:"Operation"`  // UpdateOperation: 1 install, 2 uninstall
	ResultCode          int    `json:"ResultCode"` // OperationResultCode: 2 succeeded, 3 with errors, 4 failed, 5 aborted
	HResult             int64  `json:"HResult"`
	UpdateId            string `json:"UpdateId"`
	RevisionNumber      int    `json:"RevisionNumber"`
	ClientApplicationId string `json:"ClientApplicationId"`
}

// UpdateHistoryResult is Get-WurUpdateHistory's result: the history that a
// DataStore reset loses, exported first. A failure is data: Available is
// false, FailedCall names the call (CreateSession, CreateUpdateSearcher,
// GetTotalHistoryCount, QueryHistory) and HResult its HRESULT (0x80070422
// wuauserv disabled, a damaged DataStore's error ...).
type UpdateHistoryResult struct {
	Available  bool           `json:"Available"`
	FailedCall string         `json:"FailedCall"`
	HResult    int64          `json:"HResult"`
	Count      int            `json:"Count"`
	Entries    []HistoryEntry `json:"Entries"`
}

// BackupFolderResult is Backup-WurFolder's result. SecurityCopied: the
// recreated folder carries the original's explicit ACEs and DACL
// protection; when false after a rename, SecurityHResult says why and the
// orchestrator fails the step (its rollback puts the original back).
type BackupFolderResult struct {
	Path            string `json:"Path"`
	BackupPath      string `json:"BackupPath"`
	Renamed         bool   `json:"Renamed"`
	Recreated       bool   `json:"Recreated"`
	SecurityCopied  bool   `json:"SecurityCopied"`
	SecurityHResult int64  `json:"SecurityHResult"`
	WhatIf          bool   `json:"WhatIf"`
}

// RestoreFolderResult is Restore-WurFolder's result. Whatever stood at Path
// (new content written since the backup) is set aside, never deleted.
type RestoreFolderResult struct {
	Path         string `json:"Path"`
	BackupPath   string `json:"BackupPath"`
	Restored     bool   `json:"Restored"`
	SetAsidePath string `json:"SetAsidePath"`
	WhatIf       bool   `json:"WhatIf"`
}

// RemoveBackupResult is Remove-WurBackup's result.
type RemoveBackupResult struct {
	Path    string `json:"Path"`
	Removed bool   `json:"Removed"`
	WhatIf  bool   `json:"WhatIf"`
}

// RegisterDllResult is Register-WurDll's result: regsvr32's exit code
// (0 ok, 1 bad arguments, 2 OleInitialize failed, 3 LoadLibrary failed,
// 4 GetProcAddress failed: no DllRegisterServer, 5 DllRegisterServer
// failed, for any reason; -1 nothing ran). TimedOut: regsvr32 was still
// running after the script's TimeoutSec, so it and its child processes
// were killed (ExitCode is then -1).
type RegisterDllResult struct {
	Path     string `json:"Path"`
	Exists   bool   `json:"Exists"`
	ExitCode int    `json:"ExitCode"`
	TimedOut bool   `json:"TimedOut"`
	WhatIf   bool   `json:"WhatIf"`
}
