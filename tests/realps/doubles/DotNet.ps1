<#
    Doubles of the .NET APIs some scripts call directly (a function cannot
    stand in for a static method): Microsoft.Win32.RegistryKey (the CLSID
    views and the reboot-pending keys), System.Diagnostics.FileVersionInfo
    (binary versions of the machine's DLLs: off Windows .NET reads no
    native version resource) and the event log reader
    (System.Diagnostics.Eventing.Reader.*: off Windows it throws
    PlatformNotSupportedException).

    They are C# types compiled once per process and put in front of the
    real type names in the runspace's global scope type table (see below):
    the script text stays exactly what ships. Their data is loaded from the machine before each
    request. Enum types (RegistryHive, RegistryView, PathType) are the real
    ones.
#>
Set-StrictMode -Version Latest

if ($null -eq ('WurDouble.RegistryKey' -as [type])) {
    Add-Type -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.IO;
using Microsoft.Win32;

namespace WurDouble {
    public class RegistryKey : IDisposable {
        // "64|SOFTWARE\Classes\CLSID\{x}\InprocServer32" -> values (name -> value).
        public static Dictionary<string, Dictionary<string, object>> Keys =
            new Dictionary<string, Dictionary<string, object>>(StringComparer.OrdinalIgnoreCase);
        public static bool Is64BitOS = true;
        readonly string view, path;
        RegistryKey(string view, string path) { this.view = view; this.path = path; }
        public string Name { get { return @"HKEY_LOCAL_MACHINE\" + path; } }
        public static RegistryKey OpenBaseKey(RegistryHive hive, RegistryView view) {
            if (hive != RegistryHive.LocalMachine) throw new NotSupportedException("double: HKLM only");
            // On 32-bit Windows there is one view: Registry64 falls back to it.
            string v = (view == RegistryView.Registry32 && Is64BitOS) ? "32" : "64";
            return new RegistryKey(v, "");
        }
        string Full(string sub) { return path.Length == 0 ? sub : path + @"\" + sub; }
        public RegistryKey OpenSubKey(string name) {
            string full = Full(name.Trim('\\'));
            string prefix = view + "|" + full;
            foreach (string k in Keys.Keys) {
                if (string.Equals(k, prefix, StringComparison.OrdinalIgnoreCase) ||
                    k.StartsWith(prefix + @"\", StringComparison.OrdinalIgnoreCase)) return new RegistryKey(view, full);
            }
            return null;
        }
        public string[] GetSubKeyNames() {
            var names = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
            string prefix = view + "|" + (path.Length == 0 ? "" : path + @"\");
            foreach (string k in Keys.Keys) {
                if (!k.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) continue;
                string rest = k.Substring(prefix.Length);
                if (rest.Length == 0) continue;
                int cut = rest.IndexOf('\\');
                names.Add(cut < 0 ? rest : rest.Substring(0, cut));
            }
            return new List<string>(names).ToArray();
        }
        public object GetValue(string name) {
            Dictionary<string, object> values;
            if (!Keys.TryGetValue(view + "|" + path, out values)) return null;
            object v;
            if (!values.TryGetValue(name ?? "", out v)) return null;
            // REG_EXPAND_SZ: GetValue expands, with the machine's SystemRoot.
            string s = v as string;
            if (s != null) return s.Replace("%SystemRoot%", @"C:\Windows").Replace("%systemroot%", @"C:\Windows");
            return v;
        }
        public void Close() { }
        public void Dispose() { }
    }

    public class FileVersionInfo {
        // Real path -> "a.b.c.d".
        public static Dictionary<string, string> Versions = new Dictionary<string, string>(StringComparer.Ordinal);
        public int FileMajorPart { get; private set; }
        public int FileMinorPart { get; private set; }
        public int FileBuildPart { get; private set; }
        public int FilePrivatePart { get; private set; }
        public string FileName { get; private set; }
        public static FileVersionInfo GetVersionInfo(string fileName) {
            string full = Path.GetFullPath(fileName);
            if (!File.Exists(full)) throw new FileNotFoundException(fileName);
            var fvi = new FileVersionInfo { FileName = full };
            string v;
            if (Versions.TryGetValue(full, out v)) {
                string[] p = v.Split('.');
                fvi.FileMajorPart = p.Length > 0 ? int.Parse(p[0]) : 0;
                fvi.FileMinorPart = p.Length > 1 ? int.Parse(p[1]) : 0;
                fvi.FileBuildPart = p.Length > 2 ? int.Parse(p[2]) : 0;
                fvi.FilePrivatePart = p.Length > 3 ? int.Parse(p[3]) : 0;
            }
            return fvi;
        }
    }

    public class EventLogSession {
        public static bool Available = true;
        public static readonly EventLogSession GlobalSession = new EventLogSession();
        public IEnumerable<string> GetLogNames() {
            var names = new List<string> { "Application", "System", "Setup" };
            if (Available) names.Add("Microsoft-Windows-WindowsUpdateClient/Operational");
            return names;
        }
    }

    public class EventLogQuery {
        public string Path; public string Query;
        public bool ReverseDirection { get; set; }
        public EventLogQuery(string path, object pathType, string query) { Path = path; Query = query; }
    }

    public class EventRecord : IDisposable {
        public DateTime? TimeCreated { get; set; }
        public int Id { get; set; }
        public byte? Level { get; set; }
        public string Xml;
        public string ToXml() { return Xml; }
        public void Dispose() { }
    }

    public class EventLogReader : IDisposable {
        // Newest first, as ReverseDirection reads them.
        public static List<EventRecord> Records = new List<EventRecord>();
        int next;
        readonly bool errorsOnly;
        public EventLogReader(EventLogQuery query) {
            if (!query.ReverseDirection) throw new NotSupportedException("double: the scripts read newest first");
            // The one XPath the scripts use: critical and error events.
            if (query.Query != "*[System[(Level=1 or Level=2)]]") throw new NotSupportedException("double: query " + query.Query);
            errorsOnly = true;
        }
        public EventRecord ReadEvent() {
            while (next < Records.Count) {
                EventRecord r = Records[next++];
                if (!errorsOnly || r.Level == 1 || r.Level == 2) return r;
            }
            return null;
        }
        public void Dispose() { }
    }
}
'@
}

if ($null -eq ('WurDouble.Process' -as [type])) {
    # [System.Diagnostics.Process]::Start for regsvr32.exe: asks
    # OnRegsvr32 (Invoke-WurDoubleRegsvr32, doubles/Windows.ps1) what the
    # DLL does and really starts /bin/sh with the script it returns, with
    # the caller's ProcessStartInfo settings (no shell, redirections): the
    # script waits for, reads and kills a real process. Anything else is
    # the real Process.Start.
    Add-Type -TypeDefinition @'
using System;
using System.Diagnostics;
using System.Management.Automation;

namespace WurDouble {
    public static class Process {
        public static ScriptBlock OnRegsvr32;
        public static System.Diagnostics.Process Start(ProcessStartInfo info) {
            string leaf = System.IO.Path.GetFileName(info.FileName);
            if (OnRegsvr32 == null || !string.Equals(leaf, "regsvr32.exe", StringComparison.OrdinalIgnoreCase)) {
                return System.Diagnostics.Process.Start(info);
            }
            var output = OnRegsvr32.Invoke(info.FileName, info.Arguments);
            string script = output[output.Count - 1].BaseObject.ToString();
            var sh = new ProcessStartInfo("/bin/sh");
            sh.ArgumentList.Add("-c");
            sh.ArgumentList.Add(script);
            sh.UseShellExecute = info.UseShellExecute;
            sh.CreateNoWindow = info.CreateNoWindow;
            sh.RedirectStandardInput = info.RedirectStandardInput;
            sh.RedirectStandardOutput = info.RedirectStandardOutput;
            sh.RedirectStandardError = info.RedirectStandardError;
            sh.WorkingDirectory = info.WorkingDirectory;
            return System.Diagnostics.Process.Start(sh);
        }
    }
}
'@
}
# Set by doubles/Windows.ps1 (loaded after this file) for this request's
# runspace; never the script block of an earlier request's.
[WurDouble.Process]::OnRegsvr32 = $null

# PowerShell resolves a type name first in the session state scopes' type
# tables (where PowerShell classes live), then the built-in accelerators,
# then the loaded assemblies, and user accelerators last: only an entry in
# the global scope's table reliably wins over the real type once its
# assembly is loaded. SessionStateScope.AddType is internal: reached by
# reflection, before each request (a fresh runspace starts empty).
$wurFlags = [System.Reflection.BindingFlags]'NonPublic, Instance'
$wurInternal = $ExecutionContext.SessionState.GetType().GetProperty('Internal', $wurFlags).GetValue($ExecutionContext.SessionState)
$wurGlobal = $wurInternal.GetType().GetProperty('GlobalScope', $wurFlags).GetValue($wurInternal)
$wurAddType = $wurGlobal.GetType().GetMethod('AddType', $wurFlags)
foreach ($pair in @(
        @('Microsoft.Win32.RegistryKey', [WurDouble.RegistryKey]),
        @('System.Diagnostics.FileVersionInfo', [WurDouble.FileVersionInfo]),
        @('System.Diagnostics.Process', [WurDouble.Process]),
        @('System.Diagnostics.Eventing.Reader.EventLogSession', [WurDouble.EventLogSession]),
        @('System.Diagnostics.Eventing.Reader.EventLogQuery', [WurDouble.EventLogQuery]),
        @('System.Diagnostics.Eventing.Reader.EventLogReader', [WurDouble.EventLogReader]))) {
    [void]$wurAddType.Invoke($wurGlobal, [object[]]@($pair[0], $pair[1]))
}
# The safety library (scripts/lib), which the bootstrap ran in this runspace
# before this prelude, names System.Diagnostics.FileVersionInfo: compiling
# it cached the real type in PowerShell's process-wide TypeCache, which
# would win over the entry above. Forget what was resolved before the
# doubles were in place (internal, reached by reflection like AddType).
$wurTypeCache = [psobject].Assembly.GetType('System.Management.Automation.Language.TypeCache')
$wurTypeCache.GetField('s_cache', [System.Reflection.BindingFlags]'NonPublic, Static').GetValue($null).Clear()
Remove-Variable -Name 'wurFlags', 'wurInternal', 'wurGlobal', 'wurAddType', 'pair', 'wurTypeCache'

function Update-WurDoubleDotNet {
    # Loads the machine into the .NET doubles (before each request).
    $state = Get-WurDoubleMachine
    $m = $state.machine
    [WurDouble.RegistryKey]::Is64BitOS = [bool]$state.host.is64BitOS
    $keys = [WurDouble.RegistryKey]::Keys
    $keys.Clear()
    $add = {
        param([string]$Key, [string]$Name, $Value)
        if (-not $keys.ContainsKey($Key)) { $keys[$Key] = New-Object 'System.Collections.Generic.Dictionary[string,object]' ([StringComparer]::OrdinalIgnoreCase) }
        if ($null -ne $Name) { $keys[$Key][$Name] = $Value }
    }
    if ($null -ne $m.PSObject.Properties['clsid']) {
        foreach ($view in $m.clsid.PSObject.Properties) {
            foreach ($c in $view.Value.PSObject.Properties) {
                & $add ('{0}|SOFTWARE\Classes\CLSID\{1}\InprocServer32' -f $view.Name, $c.Name) '' ([string]$c.Value)
            }
        }
    }
    $reasons = @()
    if ($null -ne $m.PSObject.Properties['pendingReboot']) { $reasons = @($m.pendingReboot) }
    & $add '64|SYSTEM\CurrentControlSet\Control\Session Manager' $null $null
    $cbs = '64|SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing'
    $wu = '64|SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate'
    # Healthy Windows has these parent keys; an empty Services\Pending is no reason.
    & $add $cbs $null $null
    & $add ($wu + '\Services\Pending') $null $null
    & $add '64|SOFTWARE\Microsoft\Updates' 'UpdateExeVolatile' ([int]0)
    if ($reasons -contains 'CBSRebootPending') { & $add ($cbs + '\RebootPending') $null $null }
    if ($reasons -contains 'CBSRebootInProgress') { & $add ($cbs + '\RebootInProgress') $null $null }
    if ($reasons -contains 'CBSPackagesPending') { & $add ($cbs + '\PackagesPending') $null $null }
    if ($reasons -contains 'WURebootRequired') { & $add ($wu + '\Auto Update\RebootRequired') $null $null }
    if ($reasons -contains 'WUServicesPending') { & $add ($wu + '\Services\Pending\117cab2d-82b1-4b5a-a08c-4d62dbee7782') $null $null }
    if ($reasons -contains 'UpdateExeVolatile') { & $add '64|SOFTWARE\Microsoft\Updates' 'UpdateExeVolatile' ([int]1) }
    if ($reasons -contains 'PendingFileRename') {
        & $add '64|SYSTEM\CurrentControlSet\Control\Session Manager' 'PendingFileRenameOperations' ([string[]]@('\??\C:\Windows\Temp\old.dll', ''))
    }
    if ($reasons -contains 'PendingFileRename2') {
        & $add '64|SYSTEM\CurrentControlSet\Control\Session Manager' 'PendingFileRenameOperations2' ([string[]]@('\??\C:\Program Files\Vendor\new.sys', '!\??\C:\Program Files\Vendor\old.sys'))
    }
    # WinSxS\pending.xml is a file: servicing's queue for the next boot.
    $winsxs = Join-Path -Path $global:WurDoubleRoot -ChildPath 'Windows/WinSxS'
    $pendingXml = Join-Path -Path $winsxs -ChildPath 'pending.xml'
    if ($reasons -contains 'PendingXml') {
        [void][System.IO.Directory]::CreateDirectory($winsxs)
        [System.IO.File]::WriteAllText($pendingXml, '<?xml version="1.0"?><PendingTransaction/>')
    } elseif ([System.IO.File]::Exists($pendingXml)) {
        [System.IO.File]::Delete($pendingXml)
    }

    $versions = [WurDouble.FileVersionInfo]::Versions
    $versions.Clear()
    foreach ($f in $m.files.PSObject.Properties) {
        if ($null -ne $f.Value.PSObject.Properties['version']) {
            $versions[(ConvertTo-WurDoublePath -WindowsPath $f.Name)] = [string]$f.Value.version
        }
    }

    $log = $m.updateLog
    [WurDouble.EventLogSession]::Available = [bool]$log.available
    $records = [WurDouble.EventLogReader]::Records
    $records.Clear()
    $events = @()
    if ($null -ne $log.PSObject.Properties['events']) { $events = @($log.events) }
    $sorted = @($events | Sort-Object -Property { [DateTimeOffset]::Parse([string]$_.time, [Globalization.CultureInfo]::InvariantCulture) } -Descending)
    foreach ($e in $sorted) {
        $r = New-Object WurDouble.EventRecord
        # TimeCreated is local time, as the real EventRecord gives it.
        $r.TimeCreated = [DateTimeOffset]::Parse([string]$e.time, [Globalization.CultureInfo]::InvariantCulture).LocalDateTime
        $r.Id = [int]$e.eventId
        # WindowsUpdateClient: 20 install failure, 24 uninstall failure, 25
        # scan failure, 31 download failure are Error (2); the others (19
        # installed, 43 started, 44 downloading...) Information (4).
        $r.Level = 4
        if (@(20, 24, 25, 31) -contains $r.Id) { $r.Level = 2 }
        $title = ''
        if ($null -ne $e.PSObject.Properties['kb'] -and [string]$e.kb -ne '') { $title = '2024-05 Cumulative Update for Windows 10 (' + [string]$e.kb + ')' }
        $guid = ''
        if ($null -ne $e.PSObject.Properties['updateId']) { $guid = '{' + ([string]$e.updateId).ToUpperInvariant() + '}' }
        # serviceGuid: events about an update carry their service (Windows
        # Update's when the machine names none); scan failures carry none.
        $service = ''
        if ($null -ne $e.PSObject.Properties['service'] -and [string]$e.service -ne '') { $service = [string]$e.service }
        elseif ($guid -ne '') { $service = '9482f4b4-e343-43b6-b170-9a65bc822c77' }
        $serviceData = ''
        if ($service -ne '') { $serviceData = '<Data Name="serviceGuid">{' + $service + '}</Data>' }
        # errorCode as the WindowsUpdateClient provider writes it.
        $xml = '<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><EventID>{0}</EventID></System><EventData><Data Name="errorCode">{1}</Data><Data Name="updateTitle">{2}</Data><Data Name="updateGuid">{3}</Data><Data Name="updateRevisionNumber">200</Data>{4}</EventData></Event>'
        $r.Xml = $xml -f $r.Id, [Security.SecurityElement]::Escape([string]$e.hresult), [Security.SecurityElement]::Escape($title), $guid, $serviceData
        $records.Add($r)
    }
}

# The safety library's Get-WurFileVersion (scripts/lib) again, compiled now
# from text, after the type table above maps FileVersionInfo to its double:
# the library's own copy was compiled, and its type name bound to the real
# FileVersionInfo, when the bootstrap ran the library in this runspace
# before any prelude. (A function written out in this file would be
# compiled with the file, before the mapping, and bind the real type too.)
${function:Get-WurFileVersion} = [scriptblock]::Create(@'
param([string]$LiteralPath)
$info = [System.Diagnostics.FileVersionInfo]::GetVersionInfo($LiteralPath)
'{0}.{1}.{2}.{3}' -f $info.FileMajorPart, $info.FileMinorPart, $info.FileBuildPart, $info.FilePrivatePart
'@)
