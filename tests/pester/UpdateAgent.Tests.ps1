<#
.SYNOPSIS
    Read-only probes of the update agent, its logs and reboot state.
.DESCRIPTION
    Test-WurUpdateAgent, Get-WurUpdateHistory, Get-WurUpdateErrors and
    Get-WurPendingReboot against the runner's real Windows Update agent.
#>

# Off Windows (pwsh on Linux) this suite cannot run: Pester prints why.
BeforeDiscovery {
    $WurOnWindows = ($PSVersionTable.PSEdition -eq 'Desktop') -or $IsWindows
}
if (-not $WurOnWindows) {
    Describe 'UpdateAgent.Tests.ps1' {
        It 'needs Windows' -ForEach @(@{ Why = 'needs Windows: the update agent (Microsoft.Update.Session COM), the event log and the registry exist only on Windows' }) {
            Set-ItResult -Skipped -Because $Why
        }
    }
    return
}

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'WurTestHelpers.ps1')
}

Describe 'Test-WurUpdateAgent' {
    BeforeAll {
        $result = Invoke-WurTestScript -Name 'Test-WurUpdateAgent'
    }

    It 'returns the manifest shape' {
        Assert-WurShape -Result $result -Script 'Test-WurUpdateAgent'
    }

    It 'creates the session and a searcher on a healthy machine' {
        $result.SessionCreated | Should -BeTrue
        $result.SearcherCreated | Should -BeTrue
        $result.HResult | Should -Be 0
    }

    It 'does not reach the service unless asked (a probe never starts wuauserv)' {
        $result.ServiceReached | Should -BeFalse
        $result.FailedCall | Should -Be ''
    }

    It 'reaches the update service (GetTotalHistoryCount) with -ReachService on a healthy machine' {
        $reached = Invoke-WurTestScript -Name 'Test-WurUpdateAgent' -Parameters @{ ReachService = $true }
        $reached.ServiceReached | Should -BeTrue -Because ('{0} failed with 0x{1:X8}' -f $reached.FailedCall, $reached.HResult)
        $reached.FailedCall | Should -Be ''
        $reached.HResult | Should -Be 0
    }

    It 'reports the agent version from wuaueng.dll' {
        $result.AgentVersion | Should -Match '^\d+\.\d+\.\d+\.\d+$'
    }
}

Describe 'Get-WurUpdateHistory' {
    BeforeAll {
        $result = Invoke-WurTestScript -Name 'Get-WurUpdateHistory'
    }

    It 'returns the manifest shape' {
        Assert-WurShape -Result $result -Script 'Get-WurUpdateHistory'
    }

    It 'counts what it returns' {
        $result.Count | Should -Be @($result.Entries).Count
    }

    It 'reads the history on a healthy machine (a failure would be data: Available false, the call, its HRESULT)' {
        $result.Available | Should -BeTrue -Because ('{0} failed with 0x{1:X8}' -f $result.FailedCall, $result.HResult)
        $result.FailedCall | Should -Be ''
        $result.HResult | Should -Be 0
    }

    It 'writes ISO 8601 dates and known operation codes' {
        foreach ($e in @($result.Entries)) {
            Test-WurIsoDate -Text $e.Date | Should -BeTrue -Because $e.Date
            $e.Operation | Should -BeIn @(1, 2)
            $e.ResultCode | Should -BeIn @(0, 1, 2, 3, 4, 5)
        }
    }
}

Describe 'Get-WurUpdateErrors' {
    BeforeAll {
        $days = 30
        $result = Invoke-WurTestScript -Name 'Get-WurUpdateErrors' -Parameters @{ Days = $days }
    }

    It 'returns the manifest shape' {
        Assert-WurShape -Result $result -Script 'Get-WurUpdateErrors'
    }

    It 'finds the WindowsUpdateClient operational log' {
        $result.LogAvailable | Should -BeTrue
    }

    It 'returns at most 200 events within the window, with normalised fields' {
        # (Order is the log's, newest record first; not asserted on timestamps,
        # which a runner's clock sync at boot can make non-monotonic.)
        $events = @($result.Events)
        $events.Count | Should -BeLessOrEqual 200
        $oldest = [DateTime]::UtcNow.AddDays(-$days).AddMinutes(-5)
        foreach ($e in $events) {
            Test-WurIsoDate -Text $e.TimeCreated | Should -BeTrue
            $time = [DateTime]::Parse($e.TimeCreated, [Globalization.CultureInfo]::InvariantCulture, [Globalization.DateTimeStyles]::RoundtripKind).ToUniversalTime()
            $time | Should -BeGreaterThan $oldest
            $e.HResult | Should -Match '^(|0x[0-9A-F]{8})$'
            $e.KB | Should -Match '^(|KB\d+)$'
            $e.ServiceId | Should -Match '^(|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$'
        }
    }

    It 'refuses a window of <Days> days' -ForEach @(@{ Days = 0 }, @{ Days = -1 }) {
        { Invoke-WurTestScript -Name 'Get-WurUpdateErrors' -Parameters @{ Days = $Days } } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }
}

Describe 'Get-WurPendingReboot' {
    BeforeAll {
        $result = Invoke-WurTestScript -Name 'Get-WurPendingReboot'
    }

    It 'returns the manifest shape' {
        Assert-WurShape -Result $result -Script 'Get-WurPendingReboot'
    }

    It 'names only known reasons and agrees with RebootPending' {
        foreach ($r in @($result.Reasons)) {
            $r | Should -BeIn @('CBSRebootPending', 'CBSRebootInProgress', 'CBSPackagesPending', 'PendingXml', 'WURebootRequired', 'WUServicesPending', 'UpdateExeVolatile', 'PendingFileRename', 'PendingFileRename2')
        }
        # The file-rename queues alone are information, not a required reboot.
        $servicing = @(@($result.Reasons) | Where-Object { $_ -ne 'PendingFileRename' -and $_ -ne 'PendingFileRename2' })
        $result.RebootPending | Should -Be ($servicing.Count -gt 0)
    }

    It 'agrees with the registry' {
        $cbs = Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending'
        (@($result.Reasons) -contains 'CBSRebootPending') | Should -Be $cbs
        $pendingXml = Test-Path -LiteralPath (Join-Path -Path ([Environment]::GetFolderPath('Windows')) -ChildPath 'WinSxS\pending.xml')
        (@($result.Reasons) -contains 'PendingXml') | Should -Be $pendingXml
    }
}
