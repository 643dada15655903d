<#
.SYNOPSIS
    The service scripts off Windows, with Pester Mock doubles of the SCM.
.DESCRIPTION
    Get-Service is mocked with controller objects of the real shape: Status
    a System.ServiceProcess.ServiceControllerStatus, StartType a
    ServiceStartMode (the enum types load on Linux, ServiceController
    itself does not), and the methods the scripts call; failures are what
    .NET throws (InvalidOperationException wrapping a Win32Exception with
    the SCM's error). Get-CimInstance, Join-Path/Test-Path/Get-ItemProperty
    on HKLM:\ are mocked too. tests/realps runs the same scripts through the
    real session with fuller doubles; on Windows, Services.Tests.ps1 runs
    against the real SCM.
#>

BeforeDiscovery {
    $WurOnWindows = ($PSVersionTable.PSEdition -eq 'Desktop') -or $IsWindows
}
if ($WurOnWindows) {
    Describe 'Services.Linux.Tests.ps1' {
        It 'runs off Windows only' -ForEach @(@{ Why = 'off Windows only: on Windows, Services.Tests.ps1 uses the real Service Control Manager' }) {
            Set-ItResult -Skipped -Because $Why
        }
    }
    return
}

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'WurTestHelpers.ps1')

    # Get-Service and Get-CimInstance do not exist off Windows, and Pester
    # mocks only commands that exist: stand-ins with the parameters the
    # scripts use, always mocked below.
    function Get-Service {
        [CmdletBinding()]
        param([string[]]$Name)
        throw 'not mocked'
    }
    function Get-CimInstance {
        [CmdletBinding()]
        param([string]$ClassName, [string[]]$Property, [uint32]$OperationTimeoutSec, [string]$Filter)
        throw 'not mocked'
    }

    function New-TestController {
        # A ServiceController double. -StopError: the Win32 error Stop()
        # fails with (0: it stops).
        param([string]$Name, [string]$Status = 'Running', [string]$StartType = 'Manual', [int]$StopError = 0, [object[]]$Dependents = @())
        $o = [pscustomobject]@{
            ServiceName       = $Name
            Status            = [System.ServiceProcess.ServiceControllerStatus]$Status
            StartType         = [System.ServiceProcess.ServiceStartMode]$StartType
            DependentServices = [object[]]$Dependents
            StopError         = $StopError
            StopCalls         = 0
        }
        $o | Add-Member -MemberType ScriptMethod -Name Refresh -Value { $null = $this }
        $o | Add-Member -MemberType ScriptMethod -Name Stop -Value {
            $this.StopCalls++
            if ($this.StopError -ne 0) {
                $inner = New-Object System.ComponentModel.Win32Exception -ArgumentList $this.StopError
                throw (New-Object System.InvalidOperationException -ArgumentList ("Cannot stop {0} service on computer '.'." -f $this.ServiceName), $inner)
            }
            $this.Status = [System.ServiceProcess.ServiceControllerStatus]::Stopped
        }
        $o | Add-Member -MemberType ScriptMethod -Name WaitForStatus -Value {
            param($Desired, $Timeout)
            if ($this.Status -ne $Desired) { throw (New-Object System.TimeoutException -ArgumentList 'Time out has expired and the operation has not been completed.') }
        }
        $o
    }
}

AfterAll {
    Remove-Variable -Name 'WurTestDep', 'WurTestWu', 'WurTestMedic' -Scope Global -ErrorAction SilentlyContinue
}

Describe 'Stop-WurService with a mocked SCM' {
    BeforeEach {
        $global:WurTestDep = New-TestController -Name 'dep1'
        $global:WurTestWu = New-TestController -Name 'wuauserv' -Dependents @($global:WurTestDep)
        $global:WurTestMedic = New-TestController -Name 'WaaSMedicSvc' -StopError 5
        Mock Get-Service { @($global:WurTestWu, $global:WurTestDep, $global:WurTestMedic) }
        Mock Get-CimInstance { [pscustomobject]@{ Name = 'wuauserv'; ProcessId = [uint32]4412 } }
    }

    It 'throws WurServiceNotFound for a name that is not a service (never a wildcard)' {
        { Invoke-WurTestScript -Name 'Stop-WurService' -Parameters @{ Name = 'wu*'; TimeoutSec = 1 } } | Should -Throw -ErrorId 'WurServiceNotFound*'
        Should -Invoke Get-Service -Times 1 -Exactly
    }

    It 'does not stop a service whose dependents run unless asked' {
        $r = Invoke-WurTestScript -Name 'Stop-WurService' -Parameters @{ Name = 'wuauserv'; TimeoutSec = 1 }
        Assert-WurShape -Result $r -Script 'Stop-WurService'
        $r.Stopped | Should -BeFalse
        $global:WurTestWu.StopCalls | Should -Be 0
        $r.ProcessId | Should -Be 4412
    }

    It 'stops the dependents first when asked, and lists them' {
        $r = Invoke-WurTestScript -Name 'Stop-WurService' -Parameters @{ Name = 'wuauserv'; TimeoutSec = 1; StopDependents = $true }
        $r.Stopped | Should -BeTrue
        $r.Status | Should -BeExactly 'Stopped'
        @($r.StoppedDependents) | Should -Be @('dep1')
    }

    It 'reports a protected service (Stop throws, Win32 error 5) as not stopped, without throwing' {
        $r = Invoke-WurTestScript -Name 'Stop-WurService' -Parameters @{ Name = 'WaaSMedicSvc'; TimeoutSec = 1 }
        Assert-WurShape -Result $r -Script 'Stop-WurService'
        $r.Stopped | Should -BeFalse
        $r.Status | Should -BeExactly 'Running'
        $global:WurTestMedic.StopCalls | Should -Be 1
        # The Win32 error from the Win32Exception inside the exception (issue 9 item 11).
        $r.Win32Error | Should -Be 5
    }

    It 'reports 1051 when dependents run and it was not asked to stop them' {
        $r = Invoke-WurTestScript -Name 'Stop-WurService' -Parameters @{ Name = 'wuauserv'; TimeoutSec = 1 }
        $r.Win32Error | Should -Be 1051
    }

    It 'bounds the CIM call with -OperationTimeoutSec' {
        $null = Invoke-WurTestScript -Name 'Stop-WurService' -Parameters @{ Name = 'WaaSMedicSvc'; TimeoutSec = 1 }
        Should -Invoke Get-CimInstance -Times 1 -Exactly -ParameterFilter { $OperationTimeoutSec -gt 0 -and $OperationTimeoutSec -le 15 }
    }

    It 'asks WMI for this service only, by name in the SCM spelling (a WQL filter), never for every service (issue 20 item 8)' {
        $r = Invoke-WurTestScript -Name 'Stop-WurService' -Parameters @{ Name = 'WUAUSERV'; TimeoutSec = 1 }
        $r.ProcessId | Should -Be 4412
        Should -Invoke Get-CimInstance -Times 1 -Exactly -ParameterFilter { $ClassName -eq 'Win32_Service' -and $Filter -ceq "Name='wuauserv'" }
        Should -Invoke Get-CimInstance -Times 0 -Exactly -ParameterFilter { [string]::IsNullOrEmpty($Filter) }
    }

    It 'reports ProcessId 0 and the HRESULT when WMI is broken' {
        Mock Get-CimInstance { throw (New-Object System.Runtime.InteropServices.COMException -ArgumentList 'Invalid class', ([int]-2147217392)) }
        $r = Invoke-WurTestScript -Name 'Stop-WurService' -Parameters @{ Name = 'WaaSMedicSvc'; TimeoutSec = 1 }
        $r.ProcessId | Should -Be 0
        $r.WmiHResult | Should -Be ([int64][int]-2147217392)
    }
}

Describe 'Get-WurServiceState with a mocked SCM and registry' {
    BeforeAll {
        Mock Get-Service { @((New-TestController -Name 'DoSvc' -StartType 'Automatic'), (New-TestController -Name 'BITS' -Status 'Stopped')) }
        Mock Get-CimInstance { [pscustomobject]@{ Name = 'DoSvc'; ProcessId = [uint32]5276 } }
        Mock Join-Path { [string]$Path[0] + '\' + $ChildPath } -ParameterFilter { $Path -like 'HKLM:*' }
        Mock Test-Path { $true } -ParameterFilter { $LiteralPath -like 'HKLM:*' }
        Mock Get-ItemProperty { [pscustomobject]@{ Start = 2; DelayedAutostart = 1; DependOnService = [string[]]@('RpcSs') } } -ParameterFilter { $LiteralPath -like 'HKLM:*\DoSvc' }
        Mock Get-ItemProperty { [pscustomobject]@{ Start = 3; DelayedAutostart = 1 } } -ParameterFilter { $LiteralPath -like 'HKLM:*\BITS' }
        $result = Invoke-WurTestScript -Name 'Get-WurServiceState' -Parameters @{ Names = @('dosvc', 'BITS', 'nosuch') }
    }

    It 'returns the manifest shape' {
        Assert-WurShape -Result $result -Script 'Get-WurServiceState'
    }
    It 'bounds the CIM call with -OperationTimeoutSec and reports that WMI answered' {
        Should -Invoke Get-CimInstance -Times 1 -Exactly -Scope Describe -ParameterFilter { $OperationTimeoutSec -gt 0 -and $OperationTimeoutSec -le 30 }
        $result.WmiHResult | Should -Be 0
    }
    It 'asks WMI only for the services found, by name (a WQL filter in the SCM spelling), never for every service' {
        Should -Invoke Get-CimInstance -Times 1 -Exactly -Scope Describe -ParameterFilter { $Filter -ceq "Name='DoSvc' OR Name='BITS'" }
    }
    It 'matches names exactly but case-insensitively and reports the SCM spelling' {
        $result.Services[0].Name | Should -BeExactly 'DoSvc'
        $result.Services[2].Exists | Should -BeFalse
    }
    It 'reports the enums by name, the delayed start only for Automatic, dependencies from the registry' {
        $result.Services[0].Status | Should -BeExactly 'Running'
        $result.Services[0].StartType | Should -BeExactly 'Automatic'
        $result.Services[0].DelayedAutoStart | Should -BeTrue
        $result.Services[0].ProcessId | Should -Be 5276
        @($result.Services[0].ServicesDependedOn) | Should -Be @('RpcSs')
        $result.Services[1].DelayedAutoStart | Should -BeFalse
    }
}

Describe 'Set-WurServiceStartType with a mocked SCM: the delayed flag from WMI, asked by name (issue 20 item 8)' {
    BeforeEach {
        Mock Get-Service { @((New-TestController -Name 'DoSvc' -StartType 'Automatic'), (New-TestController -Name 'BITS')) }
        Mock Get-CimInstance { [pscustomobject]@{ Name = 'DoSvc'; DelayedAutoStart = $true } }
        Mock Join-Path { [string]$Path[0] + '\' + $ChildPath } -ParameterFilter { $Path -like 'HKLM:*' }
    }

    It 'reads the flag before and after for this service only, bounded, and changes nothing when it is as asked' {
        $r = Invoke-WurTestScript -Name 'Set-WurServiceStartType' -Parameters @{ Name = 'dosvc'; StartType = 'Automatic'; DelayedAutoStart = $true } -CheckMode
        Assert-WurShape -Result $r -Script 'Set-WurServiceStartType'
        $r.PreviousDelayedAutoStart | Should -BeTrue
        $r.DelayedAutoStart | Should -BeTrue
        $r.WmiHResult | Should -Be 0
        Should -Invoke Get-CimInstance -Times 2 -Exactly -ParameterFilter {
            $ClassName -eq 'Win32_Service' -and $Filter -ceq "Name='DoSvc'" -and $OperationTimeoutSec -gt 0 -and $OperationTimeoutSec -le 15
        }
        Should -Invoke Get-CimInstance -Times 0 -Exactly -ParameterFilter { [string]::IsNullOrEmpty($Filter) }
    }

    It 'falls back to the registry once WMI failed, and asks WMI no more' {
        Mock Get-CimInstance { throw (New-Object System.Runtime.InteropServices.COMException -ArgumentList 'Invalid class', ([int]-2147217392)) }
        Mock Test-Path { $true } -ParameterFilter { $LiteralPath -like 'HKLM:*' }
        Mock Get-ItemProperty { [pscustomobject]@{ DelayedAutostart = 1 } } -ParameterFilter { $LiteralPath -like 'HKLM:*\DoSvc' }
        $r = Invoke-WurTestScript -Name 'Set-WurServiceStartType' -Parameters @{ Name = 'DoSvc'; StartType = 'Automatic'; DelayedAutoStart = $true } -CheckMode
        $r.WmiHResult | Should -Be ([int64][int]-2147217392)
        $r.DelayedAutoStart | Should -BeTrue
        Should -Invoke Get-CimInstance -Times 1 -Exactly
    }
}
