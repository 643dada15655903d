<#
    Doubles of the Service Control Manager as the scripts reach it:
    Get-Service (ServiceController objects), Set-Service -StartupType,
    Get-CimInstance Win32_Service, and the services' registry keys
    (HKLM:\SYSTEM\CurrentControlSet\Services\<name>, see Registry.ps1).

    The machine is tests/fakehost's (services with status, startType,
    delayedAutoStart, processId, dependsOn, holds, stopBehavior,
    startFails; host.isAdmin). Shapes are the real ones: Status is a
    System.ServiceProcess.ServiceControllerStatus, StartType a
    ServiceStartMode (the real enum types: they load on Linux), methods
    Refresh/Stop/Start/WaitForStatus; failures are what .NET throws:
    InvalidOperationException wrapping a Win32Exception with the SCM's
    error (5 access denied, 1053 no response, 1058 disabled, 1068
    dependency failed). Transitions are instant (simulated time): a
    WaitForStatus that would never be satisfied throws at once.
    ServiceController itself cannot be constructed off Windows, nor can
    System.ServiceProcess.TimeoutException (both throw
    PlatformNotSupportedException): WaitForStatus throws
    System.TimeoutException instead, which the scripts catch alike.
#>
Set-StrictMode -Version Latest

# Set-Service's own exception type: the service cmdlets are not compiled
# into pwsh off Windows, so the type does not exist there; same name and
# base (SystemException, HRESULT 0x80131501) as in Windows PowerShell.
if ($null -eq ('Microsoft.PowerShell.Commands.ServiceCommandException' -as [type])) {
    Add-Type -TypeDefinition @'
namespace Microsoft.PowerShell.Commands {
    public class ServiceCommandException : System.SystemException {
        public ServiceCommandException(string message, System.Exception inner) : base(message, inner) { }
    }
}
'@
}

# sc.exe: the script runs <Windows>\System32\sc.exe by its full path, so
# a function cannot stand in: the double is a real program there (a shell
# script) that checks its arguments (config <name> start= <mode>; else exit
# 87, ERROR_INVALID_PARAMETER), exits 5 when the host is not elevated, and
# otherwise queues the change and exits 0. Update-WurDoubleScCalls applies
# the queue to the machine before any double of the SCM answers (the SCM
# knows the change at once; the registry double shows it too).
function Install-WurDoubleSc {
    $dir = Join-Path -Path (Get-WurKnownFolder -Folder Windows) -ChildPath 'System32'
    $exe = Join-Path -Path $dir -ChildPath 'sc.exe'
    if ([System.IO.File]::Exists($exe)) { return }
    [void][System.IO.Directory]::CreateDirectory($dir)
    $state = $global:WurDoubleState
    $queue = Join-Path -Path ([System.IO.Path]::GetDirectoryName($state)) -ChildPath 'sc-calls.txt'
    $sh = @"
#!/bin/sh
# sc.exe double (tests/realps/doubles/Services.ps1)
if [ "`$#" -ne 4 ] || [ "`$1" != config ] || [ "`$3" != 'start=' ]; then exit 87; fi
case "`$4" in auto|delayed-auto|demand|disabled) ;; *) exit 87 ;; esac
if grep -q '"isAdmin": *false' '$state'; then exit 5; fi
printf '%s %s
' "`$2" "`$4" >> '$queue'
exit 0
"@
    [System.IO.File]::WriteAllText($exe, $sh.Replace("`r`n", "`n"))
    & chmod 755 $exe
}
Install-WurDoubleSc

function Update-WurDoubleScCalls {
    # Applies the start types sc.exe config queued (auto clears the delayed
    # flag, delayed-auto sets it, demand and disabled leave it).
    $queue = Join-Path -Path ([System.IO.Path]::GetDirectoryName($global:WurDoubleState)) -ChildPath 'sc-calls.txt'
    if (-not [System.IO.File]::Exists($queue)) { return }
    $state = Get-WurDoubleMachine
    foreach ($line in [System.IO.File]::ReadAllLines($queue)) {
        $name, $mode = $line.Split(' ')
        $n = Get-WurDoubleServiceName -State $state -Name $name
        if ($null -eq $n) { continue }
        $svc = $state.machine.services.$n
        switch ($mode) {
            'auto' { $svc.startType = 'Automatic'; $svc | Add-Member -NotePropertyName delayedAutoStart -NotePropertyValue $false -Force }
            'delayed-auto' { $svc.startType = 'Automatic'; $svc | Add-Member -NotePropertyName delayedAutoStart -NotePropertyValue $true -Force }
            'demand' { $svc.startType = 'Manual' }
            'disabled' { $svc.startType = 'Disabled' }
        }
    }
    [System.IO.File]::Delete($queue)
    Save-WurDoubleMachine -State $state
}

function Get-WurDoubleServiceName {
    # The canonical name of a service, case-insensitively, or $null.
    param($State, [string]$Name)
    foreach ($p in $State.machine.services.PSObject.Properties) {
        if ([string]::Equals($p.Name, $Name, [StringComparison]::OrdinalIgnoreCase)) { return $p.Name }
    }
    $null
}

function Get-WurDoubleDependentSet {
    # Every service depending on $Name, directly or not (unordered).
    param($State, [string]$Name)
    $all = New-Object System.Collections.Generic.List[string]
    $frontier = New-Object System.Collections.Generic.Queue[string]
    $frontier.Enqueue($Name)
    while ($frontier.Count -gt 0) {
        $cur = $frontier.Dequeue()
        foreach ($p in $State.machine.services.PSObject.Properties) {
            if ($all.Contains($p.Name)) { continue }
            if (@(Get-WurDoubleDependsOn -State $State -Name $p.Name) -contains $cur) {
                $all.Add($p.Name)
                $frontier.Enqueue($p.Name)
            }
        }
    }
    [string[]]$all.ToArray()
}

function Get-WurDoubleDependents {
    # EnumDependentServices: every service depending on $Name, directly or
    # not, each before the services it depends on (the order to stop
    # them), ties in case-insensitive name order.
    param($State, [string]$Name)
    if ($global:WurDoubleDependents.ContainsKey($Name)) { return $global:WurDoubleDependents[$Name] }
    $left = New-Object System.Collections.Generic.List[string]
    foreach ($n in @(Get-WurDoubleDependentSet -State $State -Name $Name)) { $left.Add($n) }
    $order = New-Object System.Collections.Generic.List[string]
    while ($left.Count -gt 0) {
        $ready = New-Object System.Collections.Generic.List[string]
        foreach ($n in $left) {
            $above = @(Get-WurDoubleDependentSet -State $State -Name $n)
            if (@($left | Where-Object { $above -contains $_ }).Count -eq 0) { $ready.Add($n) }
        }
        $ready.Sort([StringComparer]::OrdinalIgnoreCase)
        foreach ($r in $ready) { [void]$left.Remove($r); $order.Add($r) }
    }
    $global:WurDoubleDependents[$Name] = [string[]]$order.ToArray()
    $global:WurDoubleDependents[$Name]
}

function Get-WurDoubleDependsOn {
    param($State, [string]$Name)
    $svc = $State.machine.services.$Name
    if ($null -ne $svc.PSObject.Properties['dependsOn']) { return [string[]]@($svc.dependsOn) }
    [string[]]@()
}

function Get-WurDoubleServiceField {
    param($Service, [string]$Field, $Default)
    if ($null -ne $Service.PSObject.Properties[$Field]) { return $Service.$Field }
    $Default
}

function New-WurDoubleScmError {
    # What ServiceController throws: InvalidOperationException wrapping the
    # SCM's Win32Exception.
    param([string]$Message, [int]$Code)
    $inner = New-Object System.ComponentModel.Win32Exception -ArgumentList $Code
    New-Object System.InvalidOperationException -ArgumentList $Message, $inner
}

function Start-WurDoubleService {
    # Starts a service and what it depends on, on the state; returns the
    # Win32 error (0 started). Creates the files it holds when missing.
    param($State, [string]$Name)
    $svc = $State.machine.services.$Name
    if ($svc.status -eq 'Running') { return 0 }
    if (-not $State.host.isAdmin) { return 5 }
    if ($svc.startType -eq 'Disabled') { return 1058 }
    if ($svc.status -ne 'Stopped') { return 1056 }
    if ([bool](Get-WurDoubleServiceField $svc 'startFails' $false)) { return 1053 }
    foreach ($d in @(Get-WurDoubleDependsOn -State $State -Name $Name)) {
        if ((Start-WurDoubleService -State $State -Name $d) -ne 0) { return 1068 }
    }
    $top = 996
    foreach ($p in $State.machine.services.PSObject.Properties) {
        $top = [Math]::Max($top, [int](Get-WurDoubleServiceField $p.Value 'processId' 0))
    }
    $svc.status = 'Running'
    $svc | Add-Member -NotePropertyName processId -NotePropertyValue ($top + 4) -Force
    foreach ($h in @(Get-WurDoubleServiceField $svc 'holds' @())) {
        $local = ConvertTo-WurDoublePath -WindowsPath $h
        if ([System.IO.Directory]::Exists([System.IO.Path]::GetDirectoryName($local)) -and -not [System.IO.File]::Exists($local)) {
            [System.IO.File]::WriteAllBytes($local, [byte[]]@())
        }
    }
    0
}

function Stop-WurDoubleService {
    # The SCM's stop of one service; returns the Win32 error (0 accepted).
    param($State, [string]$Name)
    $svc = $State.machine.services.$Name
    if ($svc.status -eq 'Stopped') { return 1062 }
    if (-not $State.host.isAdmin) { return 5 }
    switch ([string](Get-WurDoubleServiceField $svc 'stopBehavior' '')) {
        'hang' { $svc.status = 'StopPending'; return 0 }
        'ignoresStop' { return 1053 }
        'protected' { return 5 }
        'cannotAcceptControl' { return 1061 }
    }
    $svc.status = 'Stopped'
    $svc | Add-Member -NotePropertyName processId -NotePropertyValue 0 -Force
    if ([string](Get-WurDoubleServiceField $svc 'stopBehavior' '') -eq 'restartsAfterStop') {
        # The trigger (UsoSvc) starts it again, after this request: the
        # prelude of the next request applies it (Invoke-WurDoubleTriggers).
        $State | Add-Member -NotePropertyName pendingRestart -NotePropertyValue ([string[]]@(@(Get-WurDoubleServiceField $State 'pendingRestart' @()) + $Name)) -Force
    }
    0
}

function Invoke-WurDoubleTriggers {
    # Run by the prelude before each request: trigger restarts that were
    # pending when the last request ended.
    $state = Get-WurDoubleMachine
    $pending = @(Get-WurDoubleServiceField $state 'pendingRestart' @())
    if ($pending.Count -eq 0) { return }
    $uso = Get-WurDoubleServiceName -State $state -Name 'UsoSvc'
    foreach ($n in $pending) {
        if ($null -ne $uso -and $state.machine.services.$uso.status -ne 'Stopped') {
            [void](Start-WurDoubleService -State $state -Name $n)
        }
    }
    $state.PSObject.Properties.Remove('pendingRestart')
    Save-WurDoubleMachine -State $state
}

function New-WurDoubleServiceController {
    param([string]$Name)
    $state = Get-WurDoubleMachine
    $svc = $state.machine.services.$Name
    $o = [pscustomobject]@{
        ServiceName = $Name
        Name        = $Name
        DisplayName = [string](Get-WurDoubleServiceField $svc 'displayName' $Name)
        MachineName = '.'
        Status      = [System.ServiceProcess.ServiceControllerStatus]([string]$svc.status)
        # Queried once, like ServiceController.StartType (Refresh does not).
        StartType   = [System.ServiceProcess.ServiceStartMode]([string]$svc.startType)
    }
    $o.PSObject.TypeNames.Insert(0, 'System.ServiceProcess.ServiceController')
    $o | Add-Member -MemberType ScriptProperty -Name DependentServices -Value {
        $s = Get-WurDoubleMachine
        [object[]]@(Get-WurDoubleDependents -State $s -Name $this.ServiceName | ForEach-Object { New-WurDoubleServiceController -Name $_ })
    }
    $o | Add-Member -MemberType ScriptProperty -Name ServicesDependedOn -Value {
        $s = Get-WurDoubleMachine
        [object[]]@(Get-WurDoubleDependsOn -State $s -Name $this.ServiceName | ForEach-Object {
                $n = Get-WurDoubleServiceName -State $s -Name $_
                if ($null -eq $n) {
                    throw (New-WurDoubleScmError -Code 1060 -Message ("Cannot open {0} service on computer '.'." -f $_))
                }
                New-WurDoubleServiceController -Name $n
            })
    }
    $o | Add-Member -MemberType ScriptMethod -Name Refresh -Value {
        $s = Get-WurDoubleMachine
        $this.Status = [System.ServiceProcess.ServiceControllerStatus]([string]$s.machine.services.($this.ServiceName).status)
    }
    $o | Add-Member -MemberType ScriptMethod -Name Stop -Value {
        # .NET Framework's Stop() stops every running dependent first.
        $s = Get-WurDoubleMachine
        foreach ($d in @(Get-WurDoubleDependents -State $s -Name $this.ServiceName)) {
            if ($s.machine.services.$d.status -ne 'Stopped') {
                $code = Stop-WurDoubleService -State $s -Name $d
                if ($code -ne 0) {
                    Save-WurDoubleMachine -State $s
                    throw (New-WurDoubleScmError -Code $code -Message ("Cannot stop {0} service on computer '.'." -f $d))
                }
            }
        }
        $code = Stop-WurDoubleService -State $s -Name $this.ServiceName
        Save-WurDoubleMachine -State $s
        if ($code -eq 5) {
            throw (New-WurDoubleScmError -Code 5 -Message ("Cannot open {0} service on computer '.'." -f $this.ServiceName))
        }
        if ($code -ne 0) {
            throw (New-WurDoubleScmError -Code $code -Message ("Cannot stop {0} service on computer '.'." -f $this.ServiceName))
        }
    }
    $o | Add-Member -MemberType ScriptMethod -Name Start -Value {
        $s = Get-WurDoubleMachine
        $code = Start-WurDoubleService -State $s -Name $this.ServiceName
        Save-WurDoubleMachine -State $s
        if ($code -eq 5) {
            throw (New-WurDoubleScmError -Code 5 -Message ("Cannot open {0} service on computer '.'." -f $this.ServiceName))
        }
        if ($code -ne 0) {
            throw (New-WurDoubleScmError -Code $code -Message ("Cannot start service {0} on computer '.'." -f $this.ServiceName))
        }
    }
    $o | Add-Member -MemberType ScriptMethod -Name WaitForStatus -Value {
        # Like the real one, one blocking .NET call for the whole timeout
        # when the status is not reached (Thread.Sleep: PowerShell's Stop()
        # cannot interrupt it), then TimeoutException. This is what makes
        # a script that waits in one long call miss its request's timeout.
        param([System.ServiceProcess.ServiceControllerStatus]$Desired, [TimeSpan]$Timeout)
        $this.Refresh()
        if ($this.Status -ne $Desired) {
            [System.Threading.Thread]::Sleep($Timeout)
            $this.Refresh()
        }
        if ($this.Status -ne $Desired) {
            throw (New-Object System.TimeoutException -ArgumentList 'Time out has expired and the operation has not been completed.')
        }
    }
    $o
}

function Get-Service {
    # Only the form the scripts use: every service (EnumServicesStatusEx).
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Name)
    if ($PSBoundParameters.ContainsKey('Name')) { throw 'double: Get-Service -Name is not used by the scripts' }
    Update-WurDoubleScCalls
    $state = Get-WurDoubleMachine
    $names = [string[]]@($state.machine.services.PSObject.Properties | ForEach-Object { $_.Name })
    [Array]::Sort($names, [StringComparer]::OrdinalIgnoreCase)
    foreach ($n in $names) { New-WurDoubleServiceController -Name $n }
}

function Set-Service {
    # Set-Service -InputObject <ServiceController> -StartupType <mode>
    # (ChangeServiceConfig). Not elevated: the real cmdlet's error.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)]$InputObject,
        [Parameter(Mandatory = $true)][ValidateSet('Automatic', 'Manual', 'Disabled', 'Boot', 'System')][string]$StartupType
    )
    $state = Get-WurDoubleMachine
    $name = [string]$InputObject.ServiceName
    if (-not $state.host.isAdmin) {
        $inner = New-WurDoubleScmError -Message ("Cannot open {0} service on computer '.'." -f $name) -Code 5
        $ex = New-Object Microsoft.PowerShell.Commands.ServiceCommandException -ArgumentList ("Service '{0} ({1})' cannot be configured due to the following error: {2}" -f $InputObject.DisplayName, $name, $inner.Message), $inner
        # throw, not ThrowTerminatingError: from a function the latter
        # appends ",Set-Service" to the id; the cmdlet's id is kept whole.
        throw (New-Object System.Management.Automation.ErrorRecord -ArgumentList $ex, 'CouldNotSetService,Microsoft.PowerShell.Commands.SetServiceCommand', ([System.Management.Automation.ErrorCategory]::PermissionDenied), $name)
    }
    $state.machine.services.$name.startType = $StartupType
    Save-WurDoubleMachine -State $state
}

function Get-CimInstance {
    # Get-CimInstance -ClassName Win32_Service -Property Name, ProcessId
    # [-Filter "Name='a' OR Name='b'"]: ProcessId is a UInt32 as CIM gives
    # it. The filter is WQL: only that shape is simulated (string literals
    # with \ and \' escapes, compared case-insensitively); any other throws.
    # Every call is recorded (cim-calls.jsonl beside the machine state: the
    # class, -Filter, -OperationTimeoutSec and -Property it got) so that a
    # test can prove a script asks WMI by name and bounded, never for every
    # service (issue 20 item 8).
    [CmdletBinding()]
    param([string]$ClassName, [string[]]$Property, [uint32]$OperationTimeoutSec, [string]$Filter)
    $log = Join-Path -Path ([System.IO.Path]::GetDirectoryName($global:WurDoubleState)) -ChildPath 'cim-calls.jsonl'
    $call = [ordered]@{ ClassName = $ClassName; Filter = $null; OperationTimeoutSec = $null; Property = [string[]]@($Property) }
    if ($PSBoundParameters.ContainsKey('Filter')) { $call.Filter = $Filter }
    if ($PSBoundParameters.ContainsKey('OperationTimeoutSec')) { $call.OperationTimeoutSec = $OperationTimeoutSec }
    [System.IO.File]::AppendAllText($log, (ConvertTo-Json -InputObject $call -Compress) + "`n")
    if ($ClassName -ne 'Win32_Service') { throw "double: Get-CimInstance $ClassName is not simulated" }
    $only = $null
    if ($PSBoundParameters.ContainsKey('Filter')) {
        $literal = "Name='((?:[^'\\]|\\.)*)'"
        if ($Filter -notmatch ('^' + $literal + '( OR ' + $literal + ')*$')) { throw "double: WQL filter not simulated: $Filter" }
        $only = @([regex]::Matches($Filter, $literal) | ForEach-Object { [regex]::Replace($_.Groups[1].Value, '\\(.)', '$1') })
    }
    Update-WurDoubleScCalls
    $state = Get-WurDoubleMachine
    # WMI faults (machine.faults.wmi): "hung" runs into -OperationTimeoutSec
    # (modelled HRESULT 0x80041032); without one, the real call would never
    # return: the double fails with another HRESULT so the test sees it.
    # "broken": a damaged repository (0x80041010) at once.
    switch ([string](Get-WurDoubleServiceField $state.machine.faults 'wmi' '')) {
        'hung' {
            if (-not $PSBoundParameters.ContainsKey('OperationTimeoutSec') -or $OperationTimeoutSec -eq 0) {
                throw 'double: WMI is hung and Get-CimInstance has no -OperationTimeoutSec: on Windows this call never returns'
            }
            throw (New-Object System.Runtime.InteropServices.COMException -ArgumentList 'The operation was canceled.', ([int]-2147217358))
        }
        'broken' {
            throw (New-Object System.Runtime.InteropServices.COMException -ArgumentList 'Invalid class', ([int]-2147217392))
        }
    }
    foreach ($p in $state.machine.services.PSObject.Properties) {
        if ($null -ne $only -and -not ($only -contains $p.Name)) { continue }
        # DelayedAutoStart: the SCM's raw flag (QueryServiceConfig2), whatever the start type.
        $o = [pscustomobject]@{ Name = $p.Name; ProcessId = [uint32](Get-WurDoubleServiceField $p.Value 'processId' 0)
            DelayedAutoStart = [bool](Get-WurDoubleServiceField $p.Value 'delayedAutoStart' $false) }
        $o.PSObject.TypeNames.Insert(0, 'Microsoft.Management.Infrastructure.CimInstance#root/cimv2/Win32_Service')
        $o
    }
}
