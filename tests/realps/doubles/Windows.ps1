<#
    Doubles of the Windows-only commands the scripts call: New-Object
    -ComObject Microsoft.Update.Session (the update agent's COM API),
    Repair-WindowsImage (DISM), and what regsvr32.exe does
    (Invoke-WurDoubleRegsvr32, called by the Process double in DotNet.ps1).
    Other uses of New-Object go to the real cmdlet.

    Shapes and failures are the real ones: COM failures are
    System.Runtime.InteropServices.COMException with the HRESULT (the
    agent: 0x80040154 class not registered when a wups2.dll on disk has no
    registration in its view, KB943144; 0x80070422 when wuauserv is
    disabled), Repair-WindowsImage returns an ImageObject whose
    ImageHealthState is an enum (Healthy 0, NonRepairable 1, Repairable 2)
    and fails with a COMException (0x800F081F source missing, 0x800702E4
    elevation required), regsvr32 is a real process (/bin/sh) whose exit
    code is regsvr32's.
#>
Set-StrictMode -Version Latest

if ($null -eq ('WurDouble.ImageHealthState' -as [type])) {
    Add-Type -TypeDefinition @'
namespace WurDouble {
    public enum ImageHealthState { Healthy = 0, NonRepairable = 1, Repairable = 2 }
    public class ImageObject {
        public ImageHealthState ImageHealthState { get; set; }
        public bool RestartNeeded { get; set; }
        public string Path { get; set; }
        public bool Online { get; set; }
    }
}
'@
}

function New-WurDoubleComError {
    # 0x80040154 is a negative Int32 in PowerShell source: any spelling goes.
    param([int64]$HResult)
    $hr = [BitConverter]::ToInt32([BitConverter]::GetBytes($HResult), 0)
    New-Object System.Runtime.InteropServices.COMException -ArgumentList ('Exception from HRESULT: 0x{0:X8}' -f $hr), $hr
}

function Get-WurDoubleAgentFault {
    # 0x80040154 while a wups2.dll on disk has no registration in its view.
    param($State)
    $views = @(@{ Dir = 'C:\Windows\System32'; View = '64' })
    if ($State.host.is64BitOS) { $views += @{ Dir = 'C:\Windows\SysWOW64'; View = '32' } }
    foreach ($v in $views) {
        if (-not [System.IO.File]::Exists((ConvertTo-WurDoublePath -WindowsPath ($v.Dir + '\wups2.dll')))) { continue }
        $registered = $false
        $clsid = $State.machine.PSObject.Properties['clsid']
        if ($null -ne $clsid -and $null -ne $clsid.Value.PSObject.Properties[$v.View]) {
            foreach ($c in $clsid.Value.($v.View).PSObject.Properties) {
                if ([string]$c.Value -match '(?i)\\wups2\.dll$') { $registered = $true }
            }
        }
        if (-not $registered) { return [int64]0x80040154 }
    }
    [int64]0
}

function Assert-WurDoubleAgentCall {
    # The machine's faults.agentFails knob: this COM call fails with its
    # HRESULT (0x80004002 a proxy/stub not registered, a damaged DataStore).
    param([string]$Call)
    $state = Get-WurDoubleMachine
    $faults = $state.machine.PSObject.Properties['faults']
    if ($null -eq $faults -or $null -eq $faults.Value -or $null -eq $faults.Value.PSObject.Properties['agentFails']) { return }
    $knob = $faults.Value.agentFails.PSObject.Properties[$Call]
    if ($null -ne $knob) {
        throw (New-WurDoubleComError -HResult ([Convert]::ToInt64(([string]$knob.Value).Substring(2), 16)))
    }
}

function New-Object {
    [CmdletBinding(DefaultParameterSetName = 'Net')]
    param(
        [Parameter(ParameterSetName = 'Net', Mandatory = $true, Position = 0)][string]$TypeName,
        [Parameter(ParameterSetName = 'Net', Position = 1)][object[]]$ArgumentList,
        [Parameter(ParameterSetName = 'Com', Mandatory = $true)][string]$ComObject,
        [System.Collections.IDictionary]$Property
    )
    if ($PSCmdlet.ParameterSetName -eq 'Net') {
        # As the cmdlet: the new object is written as one object, never
        # enumerated (a new empty List must not become $null).
        $PSCmdlet.WriteObject((Microsoft.PowerShell.Utility\New-Object @PSBoundParameters), $false)
        return
    }
    if ($ComObject -ne 'Microsoft.Update.Session') {
        throw (New-WurDoubleComError -HResult 0x80040154)
    }
    $session = [pscustomobject]@{ ClientApplicationID = '' }
    $session.PSObject.TypeNames.Insert(0, 'System.__ComObject#{918efd1e-b5d8-4c90-8540-aeb9bdc56f9d}')
    $session | Add-Member -MemberType ScriptMethod -Name CreateUpdateSearcher -Value {
        $state = Get-WurDoubleMachine
        Assert-WurDoubleAgentCall -Call 'CreateUpdateSearcher'
        $fault = Get-WurDoubleAgentFault -State $state
        if ($fault -ne 0) { throw (New-WurDoubleComError -HResult $fault) }
        $searcher = [pscustomobject]@{ Online = $true }
        $searcher | Add-Member -MemberType ScriptMethod -Name GetTotalHistoryCount -Value {
            # The first call that reaches wuauserv (COM starts it on demand).
            Assert-WurDoubleAgentCall -Call 'GetTotalHistoryCount'
            @(Get-WurDoubleHistory).Count
        }
        $searcher | Add-Member -MemberType ScriptMethod -Name QueryHistory -Value {
            param([int]$Start, [int]$Count)
            Assert-WurDoubleAgentCall -Call 'QueryHistory'
            $all = @(Get-WurDoubleHistory)
            $items = @($all | Select-Object -Skip $Start -First $Count)
            $coll = [pscustomobject]@{ Count = $items.Count; Items = $items }
            $coll | Add-Member -MemberType ScriptMethod -Name Item -Value { param([int]$i) $this.Items[$i] }
            $coll
        }
        $searcher
    }
    $session
}

function Get-WurDoubleHistory {
    # The history the agent keeps in DataStore.edb: reaching it starts
    # wuauserv (COM activation), which fails when it is disabled.
    $state = Get-WurDoubleMachine
    $name = Get-WurDoubleServiceName -State $state -Name 'wuauserv'
    if ($null -eq $name) { throw (New-WurDoubleComError -HResult 0x80070424) }
    $svc = $state.machine.services.$name
    if ($svc.startType -eq 'Disabled' -and $svc.status -eq 'Stopped') { throw (New-WurDoubleComError -HResult 0x80070422) }
    $code = Start-WurDoubleService -State $state -Name $name
    Save-WurDoubleMachine -State $state
    if ($code -ne 0) { throw (New-WurDoubleComError -HResult 0x8007041D) }
    $edb = 'C:\Windows\SoftwareDistribution\DataStore\DataStore.edb'
    if (-not [System.IO.File]::Exists((ConvertTo-WurDoublePath -WindowsPath $edb))) { return }
    $entry = $null
    foreach ($f in $state.machine.files.PSObject.Properties) {
        if ([string]::Equals($f.Name, $edb, [StringComparison]::OrdinalIgnoreCase)) { $entry = $f.Value }
    }
    if ($null -eq $entry -or $null -eq $entry.PSObject.Properties['history']) { return }
    foreach ($h in @($entry.history)) {
        # IUpdateHistoryEntry: Date is a DateTime (UTC, Kind Unspecified
        # through COM), Operation/ResultCode enums, HResult an Int32.
        $date = [DateTime]::SpecifyKind([DateTimeOffset]::Parse([string]$h.date, [Globalization.CultureInfo]::InvariantCulture).UtcDateTime, [DateTimeKind]::Unspecified)
        [pscustomobject]@{
            Date                = $date
            Title               = [string]$h.title
            Operation           = [int]$h.operation
            ResultCode          = [int]$h.resultCode
            HResult             = [BitConverter]::ToInt32([BitConverter]::GetBytes([uint32]([Convert]::ToUInt32(([string]$h.hresult).Substring(2), 16))), 0)
            UpdateIdentity      = [pscustomobject]@{ UpdateID = [string]$h.updateId; RevisionNumber = [int]$h.revisionNumber }
            ClientApplicationID = [string]$h.clientApplicationId
        }
    }
}

function Repair-WindowsImage {
    [CmdletBinding()]
    param([switch]$Online, [switch]$CheckHealth, [switch]$ScanHealth, [switch]$RestoreHealth, [switch]$NoRestart, [string[]]$Source, [switch]$LimitAccess)
    $state = Get-WurDoubleMachine
    if (-not $state.host.isAdmin) { throw (New-WurDoubleComError -HResult 0x800702E4) }
    $cs = $state.machine.componentStore
    if ($RestoreHealth -or $ScanHealth) {
        # A scan or repair reports PercentComplete as it goes (the script's
        # $ProgressPreference decides whether the records are written), its
        # time spread evenly between them: the SlowMs knob of the script
        # that called it, as on the fake host.
        $caller = 'Get-WurComponentHealth'
        if ($RestoreHealth) { $caller = 'Repair-WurComponentStore' }
        $slowMs = 0
        $faults = $state.machine.PSObject.Properties['faults']
        if ($null -ne $faults -and $null -ne $faults.Value -and $null -ne $faults.Value.PSObject.Properties['slowMs'] -and
            $null -ne $faults.Value.slowMs.PSObject.Properties[$caller]) {
            $slowMs = [int]$faults.Value.slowMs.$caller
        }
        $steps = @(0, 10, 20, 40, 62, 84, 100)
        foreach ($p in $steps) {
            if ($slowMs -gt 0) { Start-Sleep -Milliseconds ([int]($slowMs / $steps.Count)) }
            Write-Progress -Activity 'Repair-WindowsImage' -PercentComplete $p
        }
        # Both scan the whole store (RestoreHealth even when it then fails):
        # CheckHealth then reads what they saw (no flag: the state).
        $cs | Add-Member -NotePropertyName checkHealthFlag -NotePropertyValue '' -Force
        Save-WurDoubleMachine -State $state
    }
    if ($RestoreHealth -and $cs.state -eq 'Repairable') {
        $outcome = [string]$cs.restoreHealth
        if ($null -ne $Source -and $Source.Count -gt 0 -and $null -ne $cs.PSObject.Properties['restoreHealthWithSource'] -and [string]$cs.restoreHealthWithSource -ne '') {
            $outcome = [string]$cs.restoreHealthWithSource
        }
        switch ($outcome) {
            'healthy' {
                $cs.state = 'Healthy'
                if ($null -ne $cs.PSObject.Properties['restartAfterRepair'] -and $cs.restartAfterRepair) {
                    $cs | Add-Member -NotePropertyName restartNeeded -NotePropertyValue $true -Force
                }
            }
            'sourceMissing' { throw (New-WurDoubleComError -HResult 0x800F081F) }
            'sourceDisallowed' { throw (New-WurDoubleComError -HResult 0x800F0907) }
            'wsusNoContent' { throw (New-WurDoubleComError -HResult 0x800F0954) }
            'nonRepairable' { $cs.state = 'NonRepairable' }
        }
        Save-WurDoubleMachine -State $state
    }
    # CheckHealth reads the flag the last scan left (checkHealthFlag; none
    # or empty: the state as it is).
    $flag = [string]$cs.state
    if ($null -ne $cs.PSObject.Properties['checkHealthFlag'] -and [string]$cs.checkHealthFlag -ne '') { $flag = [string]$cs.checkHealthFlag }
    $restart = $false
    if ($null -ne $cs.PSObject.Properties['restartNeeded']) { $restart = [bool]$cs.restartNeeded }
    New-Object WurDouble.ImageObject -Property @{ ImageHealthState = [WurDouble.ImageHealthState]$flag; RestartNeeded = $restart; Online = $true }
}

function Invoke-WurDoubleRegsvr32 {
    # What regsvr32.exe /s "<dll>" does on the machine, called by the
    # System.Diagnostics.Process double (DotNet.ps1) when the script starts
    # regsvr32.exe: applies the DLL's behaviour and returns the /bin/sh
    # script the double then really runs in regsvr32's place ("exit N").
    # regsvr32Hangs: a shell that starts a child (sleep) and waits for it,
    # never exiting on its own; both PIDs are written to regsvr32.pids next
    # to the machine's root, for the test to prove the whole tree was killed.
    param([string]$FilePath, [string]$Arguments)
    $dllArg = ([string]$Arguments) -replace '^/s\s+', ''
    $dll = ConvertFrom-WurDoublePath -Path $dllArg.Trim('"')
    $state = Get-WurDoubleMachine
    $exit = 0
    $behavior = $null
    if ($null -ne $state.machine.PSObject.Properties['dlls']) {
        foreach ($d in $state.machine.dlls.PSObject.Properties) {
            if ([string]::Equals($d.Name, $dll, [StringComparison]::OrdinalIgnoreCase)) { $behavior = $d.Value }
        }
    }
    if ($null -ne $behavior -and $null -ne $behavior.PSObject.Properties['regsvr32Hangs'] -and [bool]$behavior.regsvr32Hangs) {
        $pids = Join-Path -Path ([System.IO.Path]::GetDirectoryName($global:WurDoubleRoot.TrimEnd('/'))) -ChildPath 'regsvr32.pids'
        return ("sleep 600 & echo `$`$ `$! > '{0}'; wait" -f $pids.Replace("'", "'\''"))
    }
    if ($null -ne $behavior -and $null -ne $behavior.PSObject.Properties['regsvr32Exit']) { $exit = [int]$behavior.regsvr32Exit }
    if ($exit -eq 0 -and -not $state.host.isAdmin) { $exit = 5 }
    if ($exit -eq 0 -and $null -ne $behavior -and $null -ne $behavior.PSObject.Properties['registers']) {
        $view = '64'
        if ($dll -match '(?i)\\SysWOW64\\') { $view = '32' }
        if ($null -eq $state.machine.PSObject.Properties['clsid']) { $state.machine | Add-Member -NotePropertyName clsid -NotePropertyValue ([pscustomobject]@{}) }
        if ($null -eq $state.machine.clsid.PSObject.Properties[$view]) { $state.machine.clsid | Add-Member -NotePropertyName $view -NotePropertyValue ([pscustomobject]@{}) }
        foreach ($id in @($behavior.registers)) {
            $state.machine.clsid.$view | Add-Member -NotePropertyName $id -NotePropertyValue $dll -Force
        }
        Save-WurDoubleMachine -State $state
    }
    'exit {0}' -f $exit
}

# The Process double (DotNet.ps1) asks this runspace's function.
if ($null -ne ('WurDouble.Process' -as [type])) {
    [WurDouble.Process]::OnRegsvr32 = ${function:Invoke-WurDoubleRegsvr32}
}
