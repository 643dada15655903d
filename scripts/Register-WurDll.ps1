<#
.SYNOPSIS
    Registers one system DLL with regsvr32.exe /s and returns its exit code.
.DESCRIPTION
    Changes: whatever the DLL's DllRegisterServer writes (COM registration in
    the registry view of the DLL's bitness).

    Path must be a .dll directly in %SystemRoot%\System32 or
    %SystemRoot%\SysWOW64, else it is refused (FullyQualifiedErrorId
    WurPathRefused, category InvalidArgument). A missing file is data:
    Exists = $false, ExitCode = -1, nothing run.

    A System32 DLL is registered by System32\regsvr32.exe (64-bit on 64-bit
    Windows), a SysWOW64 DLL by SysWOW64\regsvr32.exe, the 32-bit one, so it
    lands in the 32-bit (WOW6432Node) registry view: that is KB943144's
    "syswow64" step. From a 32-bit process System32 is reached as Sysnative.

    regsvr32 runs via [System.Diagnostics.Process]::Start (no shell, no
    window, stdin a closed pipe) with /s and the quoted path. Its exit code
    is the result, the caller decides. regsvr32's exit codes (Raymond
    Chen, Microsoft, "What do the various regsvr32 exit codes mean?",
    https://devblogs.microsoft.com/oldnewthing/20180920-00/?p=99785, the
    step it got stuck at; not contractual): 0 ok, 1 bad arguments, 2 OleInitialize failed,
    3 LoadLibrary failed, 4 GetProcAddress failed (no DllRegisterServer),
    5 DllRegisterServer failed (for any reason: the HRESULT is not
    reported with /s). A missing regsvr32.exe is refused
    (FullyQualifiedErrorId WurProgramMissing, category ObjectNotFound).

    It gets TimeoutSec seconds (default 60), waited for in slices of at
    most 1 s. Still running then: it and every process it started are
    killed, TimedOut = $true, ExitCode = -1. When the request is stopped
    mid-wait it is killed too (no result; on 5.1 regsvr32 alone).
    On pwsh 7 (.NET Core 3+) by Process.Kill($true); on Windows
    PowerShell 5.1 (.NET Framework has no tree kill) by
    System32\taskkill.exe /T /F /PID <id>, run by full path, then
    Process.Kill() on regsvr32 itself should taskkill have failed.
    With -WhatIf nothing runs (ExitCode -1).
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [Parameter(Mandatory = $true)]
    [string]$Path,
    [ValidateRange(1, 600)]
    [int]$TimeoutSec = 60
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$whatIf = [bool]$WhatIfPreference
# Helpers (Get-WurSystemFolders, Resolve-WurPath: no UNC, device, relative
# or stream path, no double quote ...) come from the safety library
# (scripts/lib/WurSafety.ps1), loaded by the bootstrap.
$folders = Get-WurSystemFolders
$system32 = $folders.System32
$sysWow64 = $folders.SysWOW64
# A 32-bit process asking for System32 gets SysWOW64; Native32 is the real one.
$native32 = $folders.Native32

$full = Resolve-WurPath -Candidate $Path
$folder = ''
$leaf = ''
if ($null -ne $full) {
    $folder = [System.IO.Path]::GetDirectoryName($full)
    $leaf = [System.IO.Path]::GetFileName($full)
}
$inSystem32 = Test-WurSame $folder $system32
$inSysWow64 = Test-WurSame $folder $sysWow64
if ($null -eq $full -or -not ($inSystem32 -or $inSysWow64) -or
    -not $leaf.EndsWith('.dll', [StringComparison]::OrdinalIgnoreCase) -or $leaf.Length -le 4) {
    $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurPathRefused' -Message ('Only a .dll directly in System32 or SysWOW64 is registered: {0}' -f $Path) -Target $Path))
}

if ($inSysWow64) {
    $dll = Join-Path -Path $sysWow64 -ChildPath $leaf
    $regsvr32 = Join-Path -Path $sysWow64 -ChildPath 'regsvr32.exe'
} else {
    $dll = Join-Path -Path $native32 -ChildPath $leaf
    $regsvr32 = Join-Path -Path $native32 -ChildPath 'regsvr32.exe'
}


function Stop-WurProcessTree {
    # Kills a process and every process it started (see the help above).
    [CmdletBinding()]
    param(
        # A System.Diagnostics.Process (untyped: tests/realps maps that
        # type name to a double of the static Start).
        [Parameter(Mandatory = $true)]$Process,
        [Parameter(Mandatory = $true)][string]$SystemFolder
    )
    $treeKill = $Process.GetType().GetMethod('Kill', [Type[]]@([bool]))
    if ($null -ne $treeKill) {
        try {
            [void]$treeKill.Invoke($Process, [object[]]@($true))
        } catch {
            # It exited meanwhile (InvalidOperationException): nothing to do.
            if (-not $Process.HasExited) { throw }
        }
    } else {
        $taskkill = New-Object System.Diagnostics.ProcessStartInfo
        $taskkill.FileName = Join-Path -Path $SystemFolder -ChildPath 'taskkill.exe'
        $taskkill.Arguments = ('/T /F /PID {0}' -f $Process.Id)
        $taskkill.UseShellExecute = $false
        $taskkill.CreateNoWindow = $true
        $taskkill.RedirectStandardInput = $true
        $taskkill.RedirectStandardOutput = $true
        $taskkill.RedirectStandardError = $true
        try {
            $killer = [System.Diagnostics.Process]::Start($taskkill)
            $killer.StandardInput.Close()
            [void]$killer.StandardOutput.ReadToEndAsync()
            [void]$killer.StandardError.ReadToEndAsync()
            [void]$killer.WaitForExit(10000)
            $killer.Dispose()
        } catch {
            # taskkill.exe missing or refused: regsvr32 itself still goes.
            $null = $_
        }
        if (-not $Process.HasExited) {
            try { $Process.Kill() } catch { if (-not $Process.HasExited) { throw } }
        }
    }
    [void]$Process.WaitForExit(5000)
}

$exists = [System.IO.File]::Exists($dll)
$exitCode = -1
$timedOut = $false
if ($exists -and $PSCmdlet.ShouldProcess($full, 'regsvr32.exe /s')) {
    # Not Start-Process: the bootstrap's native-stdin guard (a
    # PostCommandLookupAction) rewrites what an application command runs,
    # and Start-Process then tries to start a program named after the
    # guard's script block ("Invalid name", seen under Wine with Windows
    # pwsh 7). Process.Start does no command lookup. regsvr32 runs by full
    # path, without a shell, without a window, and with its stdin a pipe
    # closed at once: it never sees the host's stdin, which carries the
    # requests. Its stdout and stderr are drained (regsvr32 /s writes
    # none), never the host's stdout, which carries the results. The path
    # is one quoted argument; a path holding a double quote was refused
    # above, so the quoting cannot be broken out of.
    $startInfo = New-Object System.Diagnostics.ProcessStartInfo
    $startInfo.FileName = $regsvr32
    $startInfo.Arguments = ('/s "{0}"' -f $dll)
    $startInfo.UseShellExecute = $false
    $startInfo.CreateNoWindow = $true
    $startInfo.RedirectStandardInput = $true
    $startInfo.RedirectStandardOutput = $true
    $startInfo.RedirectStandardError = $true
    $startInfo.WorkingDirectory = $native32
    if (-not [System.IO.File]::Exists($regsvr32)) {
        $PSCmdlet.ThrowTerminatingError((New-WurError -Id 'WurProgramMissing' -Message ('regsvr32.exe is missing: {0}' -f $regsvr32) -Target $regsvr32 -Category ObjectNotFound))
    }
    $process = [System.Diagnostics.Process]::Start($startInfo)
    try {
        $process.StandardInput.Close()
        [void]$process.StandardOutput.ReadToEndAsync()
        [void]$process.StandardError.ReadToEndAsync()
        # Wait in slices of at most 1 s, so a stop of the request (the
        # host's timeout) takes effect between them.
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
        $exited = $false
        while (-not $exited) {
            $left = [int][Math]::Ceiling(($deadline - [DateTime]::UtcNow).TotalMilliseconds)
            if ($left -le 0) { break }
            $exited = $process.WaitForExit([Math]::Min(1000, $left))
        }
        if ($exited) {
            $exitCode = [int]$process.ExitCode
        } else {
            $timedOut = $true
            Stop-WurProcessTree -Process $process -SystemFolder $native32
        }
    } finally {
        # The request was stopped mid-wait: a stopping pipeline runs no
        # more commands, only .NET calls, so the tree kill of pwsh 7
        # (Kill(true)) or, on 5.1, regsvr32 itself (Kill()).
        if (-not $process.HasExited) {
            $treeKill = $process.GetType().GetMethod('Kill', [Type[]]@([bool]))
            if ($null -ne $treeKill) { [void]$treeKill.Invoke($process, [object[]]@($true)) } else { $process.Kill() }
        }
        $process.Dispose()
    }
}

[pscustomobject]@{
    Path     = $full
    Exists   = [bool]$exists
    ExitCode = $exitCode
    TimedOut = $timedOut
    WhatIf   = $whatIf
}
