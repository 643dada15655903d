<#
.SYNOPSIS
    Names the processes and services that hold files open inside a folder.
.DESCRIPTION
    Read-only. Asks the Restart Manager (rstrtmgr.dll: RmStartSession,
    RmRegisterResources, RmGetList, RmEndSession) which processes use the
    files under Path: the question Windows itself answers before an
    installer replaces files in use. wurepair asks it when diagnosis
    justifies a plan that renames the folder (bounded: see MaxDepth), and
    after renaming a folder failed with a sharing violation or access
    denied, to name the holder (a service such as DoSvc or wuauserv, or a process such as
    MoUsoCoreWorker.exe, TiWorker.exe or SIHClient.exe) in the error.

    Path must be an absolute local path (X:\...) to a folder; anything else
    (UNC, \\?\ device paths, relative paths, a file, a reparse point) is
    refused with WurPathRefused (category InvalidArgument) before anything
    is read. The walk never follows a reparse point (junction, symbolic
    link, mount point): those are skipped, with what is behind them.
    Folders that cannot be listed are skipped. The walk is breadth first
    (a folder's own files before its subfolders'), MaxDepth levels deep
    (1: the folder's own files; 2: and its subfolders'; 0, the default:
    the whole tree), and registers at most MaxFiles files (1 to 4096,
    default 4096; Truncated says more were there). diagnose asks with a
    small depth and count (DataStore.edb and its logs, the top of Download,
    catroot2's logs and catdb): the Restart Manager's answer costs per file.

    Result: Path; Holders, one per process, sorted by ProcessId then
    ServiceName: ProcessId, Name (the Restart Manager's strAppName: a
    service's display name or the process's description), ServiceName (the
    service's short name, "" for a process that is not a service),
    ApplicationType (RM_APP_TYPE: 0 unknown, 1 main window, 2 other window,
    3 service, 4 Explorer, 5 console, 1000 critical), ProcessName (the
    image name without .exe, from System.Diagnostics.Process: svchost for
    a shared service host, "" when the process ended); FilesChecked;
    Truncated; Win32Error (0, or the Restart Manager's error: then Holders
    is empty). A Restart Manager failure is data, not an error: the caller
    is already reporting a failed rename and only loses the holder's name.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [ValidateNotNullOrEmpty()]
    [string]$Path,

    [ValidateRange(0, 64)]
    [int]$MaxDepth = 0,

    [ValidateRange(1, 4096)]
    [int]$MaxFiles = 4096
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$sep = [System.IO.Path]::DirectorySeparatorChar
$reparse = [System.IO.FileAttributes]::ReparsePoint

# An absolute local path (X:\...; off Windows, where only the test engine
# runs, /...), no device or UNC prefix, no alternate data stream.
$local = $false
if ($sep -eq '\') {
    $local = ($Path -match '^[A-Za-z]:\\') -and ($Path.IndexOf(':', 2) -lt 0)
} else {
    $local = $Path.StartsWith('/')
}
if (-not $local) {
    $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurPathRefused' -Message ("Path '{0}' is not an absolute local path." -f $Path) -Target $Path))
}
$root = [System.IO.Path]::GetFullPath($Path).TrimEnd($sep)
$info = New-Object System.IO.DirectoryInfo -ArgumentList $root
if (-not $info.Exists -or (($info.Attributes -band $reparse) -eq $reparse)) {
    $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurPathRefused' -Message ("Path '{0}' is not a folder (or is a junction or link, never followed)." -f $root) -Target $root))
}

# The files under root, never through a reparse point, breadth first (the
# folder's own files before its subfolders'), down to MaxDepth levels.
$files = New-Object System.Collections.Generic.List[string]
$truncated = $false
$pending = New-Object 'System.Collections.Generic.Queue[object]'
$pending.Enqueue(@($info, 1))
while ($pending.Count -gt 0 -and -not $truncated) {
    $next = $pending.Dequeue()
    $dir = $next[0]
    $depth = [int]$next[1]
    $entries = @()
    try {
        $entries = @($dir.GetFileSystemInfos())
    } catch {
        continue  # not listable: skipped
    }
    foreach ($e in $entries) {
        if (($e.Attributes -band $reparse) -eq $reparse) { continue }
        if ($e -is [System.IO.DirectoryInfo]) {
            if ($MaxDepth -eq 0 -or $depth -lt $MaxDepth) { $pending.Enqueue(@($e, ($depth + 1))) }
        } elseif ($files.Count -ge $MaxFiles) {
            $truncated = $true
            break
        } else {
            $files.Add($e.FullName)
        }
    }
}

if ($null -eq ('WurRm.RestartManager' -as [type])) {
    Add-Type -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;

namespace WurRm {
    public class Holder {
        public int ProcessId;
        public string Name;
        public string ServiceName;
        public int ApplicationType;
        public string ProcessName;
    }

    public static class RestartManager {
        [StructLayout(LayoutKind.Sequential)]
        struct RM_UNIQUE_PROCESS {
            public int dwProcessId;
            public System.Runtime.InteropServices.ComTypes.FILETIME ProcessStartTime;
        }

        [StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]
        struct RM_PROCESS_INFO {
            public RM_UNIQUE_PROCESS Process;
            [MarshalAs(UnmanagedType.ByValTStr, SizeConst = 256)] public string strAppName;
            [MarshalAs(UnmanagedType.ByValTStr, SizeConst = 64)] public string strServiceShortName;
            public int ApplicationType;
            public uint AppStatus;
            public uint TSSessionId;
            [MarshalAs(UnmanagedType.Bool)] public bool bRestartable;
        }

        [DllImport("rstrtmgr.dll", CharSet = CharSet.Unicode)]
        static extern int RmStartSession(out uint pSessionHandle, int dwSessionFlags, StringBuilder strSessionKey);

        [DllImport("rstrtmgr.dll")]
        static extern int RmEndSession(uint pSessionHandle);

        [DllImport("rstrtmgr.dll", CharSet = CharSet.Unicode)]
        static extern int RmRegisterResources(uint pSessionHandle, uint nFiles, string[] rgsFilenames,
            uint nApplications, RM_UNIQUE_PROCESS[] rgApplications, uint nServices, string[] rgsServiceNames);

        [DllImport("rstrtmgr.dll")]
        static extern int RmGetList(uint dwSessionHandle, out uint pnProcInfoNeeded, ref uint pnProcInfo,
            [In, Out] RM_PROCESS_INFO[] rgAffectedApps, ref uint lpdwRebootReasons);

        const int ErrorMoreData = 234;

        // The process's image name without .exe (Process.ProcessName: not
        // localized, unlike strAppName), "" when it ended or cannot be read.
        static string ImageName(int pid) {
            try {
                using (System.Diagnostics.Process p = System.Diagnostics.Process.GetProcessById(pid)) { return p.ProcessName ?? ""; }
            } catch (Exception) {
                return "";
            }
        }

        // GetHolders fills found with the processes using any of files and
        // returns the Win32 error of the Restart Manager (0: success).
        public static int GetHolders(string[] files, List<Holder> found) {
            uint session;
            StringBuilder key = new StringBuilder(33); // CCH_RM_SESSION_KEY + 1
            int rc = RmStartSession(out session, 0, key);
            if (rc != 0) return rc;
            try {
                rc = RmRegisterResources(session, (uint)files.Length, files, 0, null, 0, null);
                if (rc != 0) return rc;
                uint needed = 0, count = 0, reasons = 0;
                RM_PROCESS_INFO[] infos = null;
                for (int attempt = 0; attempt < 5; attempt++) {
                    rc = RmGetList(session, out needed, ref count, infos, ref reasons);
                    if (rc != ErrorMoreData) break;
                    count = needed;
                    infos = new RM_PROCESS_INFO[needed];
                }
                if (rc != 0) return rc;
                for (int i = 0; i < count; i++) {
                    Holder h = new Holder();
                    h.ProcessId = infos[i].Process.dwProcessId;
                    h.Name = infos[i].strAppName ?? "";
                    h.ServiceName = infos[i].strServiceShortName ?? "";
                    h.ApplicationType = infos[i].ApplicationType;
                    h.ProcessName = ImageName(h.ProcessId);
                    found.Add(h);
                }
                return 0;
            } finally {
                RmEndSession(session);
            }
        }
    }
}
'@
}

$found = New-Object 'System.Collections.Generic.List[WurRm.Holder]'
$win32 = 0
if ($files.Count -gt 0) {
    $win32 = [int][WurRm.RestartManager]::GetHolders($files.ToArray(), $found)
}
$holders = @($found | Sort-Object -Property @{ Expression = { $_.ProcessId } }, @{ Expression = { $_.ServiceName } } | ForEach-Object {
        [pscustomobject]@{
            ProcessId       = [int]$_.ProcessId
            Name            = [string]$_.Name
            ServiceName     = [string]$_.ServiceName
            ApplicationType = [int]$_.ApplicationType
            ProcessName     = [string]$_.ProcessName
        }
    })

[pscustomobject]@{
    Path         = $root
    Holders      = [object[]]$holders
    FilesChecked = [int]$files.Count
    Truncated    = [bool]$truncated
    Win32Error   = [int]$win32
}
