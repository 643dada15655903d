<#
.SYNOPSIS
    Component store health, and Repair-WurComponentStore with -WhatIf only.
.DESCRIPTION
    Repair-WindowsImage -Online -CheckHealth reads flags and takes seconds;
    -RestoreHealth would take many minutes and change the image, so the
    repair script only runs with -WhatIf here. Needs elevation.
#>

# Off Windows (pwsh on Linux) this suite cannot run: Pester prints why.
BeforeDiscovery {
    $WurOnWindows = ($PSVersionTable.PSEdition -eq 'Desktop') -or $IsWindows
}
if (-not $WurOnWindows) {
    Describe 'ComponentStore.Tests.ps1' {
        It 'needs Windows' -ForEach @(@{ Why = 'needs Windows: DISM (Repair-WindowsImage) exists only on Windows; tests/realps runs these scripts with a Repair-WindowsImage double' }) {
            Set-ItResult -Skipped -Because $Why
        }
    }
    return
}

BeforeDiscovery {
    $identity = [Security.Principal.WindowsIdentity]::GetCurrent()
    $isAdmin = (New-Object Security.Principal.WindowsPrincipal -ArgumentList $identity).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
}

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'WurTestHelpers.ps1')
    $states = @('Healthy', 'Repairable', 'NonRepairable')
}

Describe 'Get-WurComponentHealth' -Skip:(-not $isAdmin) {
    BeforeAll {
        $result = Invoke-WurTestScript -Name 'Get-WurComponentHealth'
    }

    It 'returns the manifest shape' {
        Assert-WurShape -Result $result -Script 'Get-WurComponentHealth'
    }

    It 'reports the ImageHealthState enum name and no repair fields' {
        $result.ImageHealthState | Should -BeIn $states
        $result.SourceMissing | Should -BeFalse
        $result.HResult | Should -Be 0
        $result.WhatIf | Should -BeFalse
    }

    # -ScanHealth reads the whole store (minutes) and leaves the flag that
    # -CheckHealth reads: right after it, both say the same.
    It 'scans with -Scan, and CheckHealth then reads what the scan found' {
        $scan = Invoke-WurTestScript -Name 'Get-WurComponentHealth' -Parameters @{ Scan = $true }
        Assert-WurShape -Result $scan -Script 'Get-WurComponentHealth'
        $scan.ImageHealthState | Should -BeIn $states
        $check = Invoke-WurTestScript -Name 'Get-WurComponentHealth'
        $check.ImageHealthState | Should -Be $scan.ImageHealthState
    }
}

Describe 'Repair-WurComponentStore' -Skip:(-not $isAdmin) {
    It 'only checks health with -WhatIf' {
        $r = Invoke-WurTestScript -Name 'Repair-WurComponentStore' -Parameters @{ LimitAccess = $true } -CheckMode
        Assert-WurShape -Result $r -Script 'Repair-WurComponentStore'
        $r.WhatIf | Should -BeTrue
        $r.SourceMissing | Should -BeFalse
        $r.HResult | Should -Be 0
        $r.ImageHealthState | Should -BeIn $states
    }
}
