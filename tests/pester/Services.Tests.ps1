<#
.SYNOPSIS
    Service scripts against the real wuauserv and BITS, changing nothing.
.DESCRIPTION
    Get-WurServiceState reads; Stop-WurService, Start-WurService and
    Set-WurServiceStartType run with -WhatIf (or with the values the service
    already has) and must leave the service as it was.
#>

# Off Windows (pwsh on Linux) this suite cannot run: Pester prints why.
BeforeDiscovery {
    $WurOnWindows = ($PSVersionTable.PSEdition -eq 'Desktop') -or $IsWindows
}
if (-not $WurOnWindows) {
    Describe 'Services.Tests.ps1' {
        It 'needs Windows' -ForEach @(@{ Why = 'needs Windows: the Service Control Manager (Get-Service, ServiceController, Win32_Service) exists only on Windows; Services.Linux.Tests.ps1 and tests/realps run these scripts on pwsh with doubles' }) {
            Set-ItResult -Skipped -Because $Why
        }
    }
    return
}

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'WurTestHelpers.ps1')
    $missing = 'wurepair-no-such-service'
}

Describe 'Get-WurServiceState' {
    BeforeAll {
        $result = Invoke-WurTestScript -Name 'Get-WurServiceState' -Parameters @{ Names = @('wuauserv', 'BITS', $missing) }
    }

    It 'returns the manifest shape' {
        Assert-WurShape -Result $result -Script 'Get-WurServiceState'
    }

    It 'returns one entry per name asked, in order' {
        (@($result.Services | ForEach-Object { $_.Name }) -join ',') | Should -BeExactly ('wuauserv,BITS,' + $missing)
    }

    It 'reports an absent service as data' {
        $absent = $result.Services[2]
        $absent.Exists | Should -BeFalse
        $absent.Status | Should -BeExactly ''
        $absent.StartType | Should -BeExactly ''
        $absent.ProcessId | Should -Be 0
        @($absent.DependentServices).Count | Should -Be 0
    }

    It 'reads Status and StartType as the ServiceController enum names' {
        $svc = Get-Service -Name 'BITS'
        $bits = $result.Services[1]
        $bits.Exists | Should -BeTrue
        $bits.StartType | Should -BeExactly ([string]$svc.StartType)
        $bits.Status | Should -BeIn @('Stopped', 'StartPending', 'StopPending', 'Running', 'ContinuePending', 'PausePending', 'Paused')
    }

    It 'lists what wuauserv depends on (RpcSs)' {
        $result.Services[0].ServicesDependedOn | Should -Contain 'rpcss'
    }

    It 'reports a process id exactly when the service runs' {
        $eventLog = (Invoke-WurTestScript -Name 'Get-WurServiceState' -Parameters @{ Names = @('EventLog') }).Services[0]
        $eventLog.Status | Should -Be 'Running'
        $eventLog.ProcessId | Should -BeGreaterThan 0
    }

    It 'never treats a name as a wildcard' {
        $star = (Invoke-WurTestScript -Name 'Get-WurServiceState' -Parameters @{ Names = @('wuau*') }).Services
        @($star).Count | Should -Be 1
        $star[0].Exists | Should -BeFalse
    }
}

Describe 'Stop-WurService' {
    It 'changes nothing with -WhatIf (wuauserv)' {
        $before = [string](Get-Service -Name 'wuauserv').Status
        $r = Invoke-WurTestScript -Name 'Stop-WurService' -Parameters @{ Name = 'wuauserv'; TimeoutSec = 5 } -CheckMode
        Assert-WurShape -Result $r -Script 'Stop-WurService'
        $r.WhatIf | Should -BeTrue
        $r.PreviousStatus | Should -Be $before
        $r.Stopped | Should -Be ($before -eq 'Stopped')
        @($r.StoppedDependents).Count | Should -Be 0
        [string](Get-Service -Name 'wuauserv').Status | Should -Be $before
    }

    It 'honours $WhatIfPreference set by the caller, as wurepair''s checkMode does' {
        $before = [string](Get-Service -Name 'wuauserv').Status
        $WhatIfPreference = $true
        try {
            $r = Invoke-WurTestScript -Name 'Stop-WurService' -Parameters @{ Name = 'wuauserv'; TimeoutSec = 5 }
        } finally {
            $WhatIfPreference = $false
        }
        $r.WhatIf | Should -BeTrue
        [string](Get-Service -Name 'wuauserv').Status | Should -Be $before
    }

    It 'changes nothing with -WhatIf and -StopDependents (BITS)' {
        $before = [string](Get-Service -Name 'BITS').Status
        $r = Invoke-WurTestScript -Name 'Stop-WurService' -Parameters @{ Name = 'BITS'; TimeoutSec = 5; StopDependents = $true } -CheckMode
        $r.WhatIf | Should -BeTrue
        @($r.StoppedDependents).Count | Should -Be 0
        [string](Get-Service -Name 'BITS').Status | Should -Be $before
    }

    It 'refuses an unknown service with WurServiceNotFound' {
        { Invoke-WurTestScript -Name 'Stop-WurService' -Parameters @{ Name = $missing; TimeoutSec = 1 } -CheckMode } |
            Should -Throw -ErrorId 'WurServiceNotFound*'
    }
}

Describe 'Start-WurService' {
    It 'changes nothing with -WhatIf (wuauserv)' {
        $before = [string](Get-Service -Name 'wuauserv').Status
        $r = Invoke-WurTestScript -Name 'Start-WurService' -Parameters @{ Name = 'wuauserv'; TimeoutSec = 5 } -CheckMode
        Assert-WurShape -Result $r -Script 'Start-WurService'
        $r.WhatIf | Should -BeTrue
        $r.PreviousStatus | Should -Be $before
        $r.Started | Should -Be ($before -eq 'Running')
        [string](Get-Service -Name 'wuauserv').Status | Should -Be $before
    }

    It 'refuses an unknown service with WurServiceNotFound' {
        { Invoke-WurTestScript -Name 'Start-WurService' -Parameters @{ Name = $missing; TimeoutSec = 1 } -CheckMode } |
            Should -Throw -ErrorId 'WurServiceNotFound*'
    }
}

Describe 'Set-WurServiceStartType' {
    BeforeAll {
        $state = (Invoke-WurTestScript -Name 'Get-WurServiceState' -Parameters @{ Names = @('BITS') }).Services[0]
    }

    It 'changes nothing with -WhatIf, even when asked for another type' {
        # Never Disabled: if -WhatIf were broken the runner keeps a working BITS.
        $other = 'Manual'
        if ($state.StartType -eq 'Manual') { $other = 'Automatic' }
        $r = Invoke-WurTestScript -Name 'Set-WurServiceStartType' -Parameters @{ Name = 'BITS'; StartType = $other } -CheckMode
        Assert-WurShape -Result $r -Script 'Set-WurServiceStartType'
        $r.WhatIf | Should -BeTrue
        $r.PreviousStartType | Should -Be $state.StartType
        $r.StartType | Should -Be $state.StartType
        [string](Get-Service -Name 'BITS').StartType | Should -Be $state.StartType
    }

    It 'writes nothing when the service already has the requested type' {
        $r = Invoke-WurTestScript -Name 'Set-WurServiceStartType' -Parameters @{ Name = 'BITS'; StartType = $state.StartType; DelayedAutoStart = $state.DelayedAutoStart }
        $r.WhatIf | Should -BeFalse
        $r.PreviousStartType | Should -Be $state.StartType
        $r.PreviousDelayedAutoStart | Should -Be $state.DelayedAutoStart
        $r.StartType | Should -Be $state.StartType
        $r.DelayedAutoStart | Should -Be $state.DelayedAutoStart
    }

    It 'refuses start type <Refused> with WurStartTypeRefused' -ForEach @(
        @{ Refused = 'Boot' }
        @{ Refused = 'System' }
        @{ Refused = 'AutomaticDelayedStart' }
    ) {
        { Invoke-WurTestScript -Name 'Set-WurServiceStartType' -Parameters @{ Name = 'BITS'; StartType = $Refused } -CheckMode } |
            Should -Throw -ErrorId 'WurStartTypeRefused*'
    }

    It 'accepts a start type in any case and reports its canonical name' {
        $r = Invoke-WurTestScript -Name 'Set-WurServiceStartType' -Parameters @{ Name = 'BITS'; StartType = $state.StartType.ToUpperInvariant() } -CheckMode
        $r.StartType | Should -BeExactly $state.StartType
    }
}
