<#
    Double of the Restart Manager (rstrtmgr.dll) that Get-WurFileHolders
    calls through the C# type WurRm.RestartManager. The script compiles
    that type only when it does not exist yet; this double defines it
    first, with the same members, answering from the machine: a file held
    by a running service (its "holds") is used by that service's process
    (Name its display name, ServiceName its name, ApplicationType 3,
    RmService, ProcessName svchost), one held by a machine "process" by
    that process (Name its description, ServiceName "", ApplicationType 0,
    RmUnknownApp, ProcessName its image name without .exe). The
    real P/Invoke cannot run off Windows.
#>
Set-StrictMode -Version Latest

if ($null -eq ('WurRm.RestartManager' -as [type])) {
    Add-Type -TypeDefinition @'
using System;
using System.Collections.Generic;

namespace WurRm {
    public class Holder {
        public int ProcessId;
        public string Name;
        public string ServiceName;
        public int ApplicationType;
        public string ProcessName;
    }

    public static class RestartManager {
        // Real file path -> the holders of that file (loaded before each request).
        public static Dictionary<string, List<Holder>> ByFile =
            new Dictionary<string, List<Holder>>(StringComparer.OrdinalIgnoreCase);
        public static int Calls;

        public static int GetHolders(string[] files, List<Holder> found) {
            Calls++;
            var seen = new HashSet<string>();
            foreach (string f in files) {
                List<Holder> hs;
                if (!ByFile.TryGetValue(f, out hs)) continue;
                foreach (Holder h in hs) {
                    if (seen.Add(h.ProcessId + "|" + h.ServiceName)) found.Add(h);
                }
            }
            return 0;
        }
    }
}
'@
}

function Update-WurDoubleRestartManager {
    # Loads who holds which file from the machine (before each request).
    $m = (Get-WurDoubleMachine).machine
    $by = [WurRm.RestartManager]::ByFile
    $by.Clear()
    $add = {
        param([string]$File, [int]$ProcessId, [string]$Name, [string]$Service, [int]$Type, [string]$Image)
        $real = ConvertTo-WurDoublePath -WindowsPath $File
        if (-not $by.ContainsKey($real)) { $by[$real] = New-Object 'System.Collections.Generic.List[WurRm.Holder]' }
        $h = New-Object WurRm.Holder
        $h.ProcessId, $h.Name, $h.ServiceName, $h.ApplicationType, $h.ProcessName = $ProcessId, $Name, $Service, $Type, $Image
        $by[$real].Add($h)
    }
    $services = @()
    if ($null -ne $m.PSObject.Properties['services'] -and $null -ne $m.services) { $services = @($m.services.PSObject.Properties) }
    foreach ($s in $services) {
        $svc = $s.Value
        if ([string]$svc.status -eq 'Stopped' -or $null -eq $svc.PSObject.Properties['holds']) { continue }
        $display = ''
        if ($null -ne $svc.PSObject.Properties['displayName']) { $display = [string]$svc.displayName }
        # Services run in a service host (svchost) in this simulation.
        foreach ($f in @($svc.holds)) { & $add ([string]$f) ([int]$svc.processId) $display $s.Name 3 'svchost' }
    }
    if ($null -ne $m.PSObject.Properties['processes'] -and $null -ne $m.processes) {
        foreach ($p in $m.processes.PSObject.Properties) {
            $desc = ''
            if ($null -ne $p.Value.PSObject.Properties['description']) { $desc = [string]$p.Value.description }
            $holds = @()
            if ($null -ne $p.Value.PSObject.Properties['holds']) { $holds = @($p.Value.holds) }
            # The machine names a process by its image file; ProcessName drops .exe.
            $image = [regex]::Replace([string]$p.Name, '\.exe$', '', 'IgnoreCase')
            foreach ($f in $holds) { & $add ([string]$f) ([int]$p.Value.processId) $desc '' 0 $image }
        }
    }
}
