<#
.SYNOPSIS
    DLL probes and Register-WurDll, without registering anything.
.DESCRIPTION
    Get-WurDllPresence on real and fake names, Get-WurWups2Registration's
    shape, and Register-WurDll on a missing DLL (no regsvr32 run), on paths it
    must refuse, and with -WhatIf.
#>

# Off Windows (pwsh on Linux) this suite cannot run: Pester prints why.
BeforeDiscovery {
    $WurOnWindows = ($PSVersionTable.PSEdition -eq 'Desktop') -or $IsWindows
}
if (-not $WurOnWindows) {
    Describe 'Dlls.Tests.ps1' {
        It 'needs Windows' -ForEach @(@{ Why = 'needs Windows: System32/SysWOW64, the registry and regsvr32.exe exist only on Windows' }) {
            Set-ItResult -Skipped -Because $Why
        }
    }
    return
}

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'WurTestHelpers.ps1')
    $is64 = [Environment]::Is64BitOperatingSystem
    $system32 = Join-Path -Path $env:SystemRoot -ChildPath 'System32'
    $sysWow64 = Join-Path -Path $env:SystemRoot -ChildPath 'SysWOW64'
    $fake = 'wurepair-no-such-file.dll'
    $versionPattern = '^\d+\.\d+\.\d+\.\d+$'
}

Describe 'Get-WurDllPresence' {
    BeforeAll {
        $result = Invoke-WurTestScript -Name 'Get-WurDllPresence' -Parameters @{ Names = @('wuapi.dll', $fake) }
        $files = @($result.Files)
    }

    It 'returns the manifest shape' {
        Assert-WurShape -Result $result -Script 'Get-WurDllPresence'
    }

    It 'looks in System32 (view 64) and, on 64-bit Windows, SysWOW64 (view 32), per name in order' {
        if ($is64) {
            $files.Count | Should -Be 4
            (@($files | ForEach-Object { $_.Name + '|' + $_.View }) -join ',') | Should -BeExactly ('wuapi.dll|64,wuapi.dll|32,{0}|64,{0}|32' -f $fake)
            $files[1].Path | Should -Be (Join-Path -Path $sysWow64 -ChildPath 'wuapi.dll')
        } else {
            $files.Count | Should -Be 2
        }
        $files[0].Path | Should -Be (Join-Path -Path $system32 -ChildPath 'wuapi.dll')
    }

    It 'finds the real wuapi.dll with its binary version' {
        $files[0].Exists | Should -BeTrue
        $files[0].Version | Should -Match $versionPattern
    }

    It 'reports a fake name as absent with an empty version' {
        foreach ($f in @($files | Where-Object { $_.Name -eq $fake })) {
            $f.Exists | Should -BeFalse
            $f.Version | Should -BeExactly ''
        }
    }

    It 'refuses <Bad> with WurNameRefused' -ForEach @(
        @{ Bad = '..\wuapi.dll' }
        @{ Bad = 'C:\Windows\System32\wuapi.dll' }
        @{ Bad = 'sub/wuapi.dll' }
        @{ Bad = 'wuapi.exe' }
        @{ Bad = 'wuapi' }
        @{ Bad = '..dll' }
    ) {
        { Invoke-WurTestScript -Name 'Get-WurDllPresence' -Parameters @{ Names = @('wuapi.dll', $Bad) } } |
            Should -Throw -ErrorId 'WurNameRefused*'
    }
}

Describe 'Get-WurWups2Registration' {
    BeforeAll {
        $result = Invoke-WurTestScript -Name 'Get-WurWups2Registration'
    }

    It 'returns the manifest shape' {
        Assert-WurShape -Result $result -Script 'Get-WurWups2Registration'
    }

    It 'reports the OS bitness and one file per view' {
        $result.Is64BitOS | Should -Be $is64
        $expected = 1
        if ($is64) { $expected = 2 }
        @($result.Files).Count | Should -Be $expected
        $result.Files[0].View | Should -BeExactly '64'
        $result.Files[0].Path | Should -Be (Join-Path -Path $system32 -ChildPath 'wups2.dll')
    }

    It 'lists only registrations that name wups2.dll, each in a known view' {
        foreach ($r in @($result.Registrations)) {
            $r.View | Should -BeIn @('64', '32')
            $r.Clsid | Should -Match '^\{[0-9A-Fa-f-]{36}\}$'
            [IO.Path]::GetFileName($r.Server) | Should -Be 'wups2.dll'
        }
    }
}

Describe 'Register-WurDll' {
    It 'does not run regsvr32 for a missing DLL: Exists = $false, ExitCode = -1' {
        $missing = Join-Path -Path $system32 -ChildPath $fake
        $r = Invoke-WurTestScript -Name 'Register-WurDll' -Parameters @{ Path = $missing }
        Assert-WurShape -Result $r -Script 'Register-WurDll'
        $r.Exists | Should -BeFalse
        $r.ExitCode | Should -Be -1
        $r.WhatIf | Should -BeFalse
    }

    It 'treats a missing SysWOW64 DLL the same way' -Skip:(-not [Environment]::Is64BitOperatingSystem) {
        $r = Invoke-WurTestScript -Name 'Register-WurDll' -Parameters @{ Path = (Join-Path -Path $sysWow64 -ChildPath $fake) }
        $r.Exists | Should -BeFalse
        $r.ExitCode | Should -Be -1
    }

    It 'runs nothing with -WhatIf on a DLL that exists' {
        $r = Invoke-WurTestScript -Name 'Register-WurDll' -Parameters @{ Path = (Join-Path -Path $system32 -ChildPath 'wuapi.dll') } -CheckMode
        $r.WhatIf | Should -BeTrue
        $r.Exists | Should -BeTrue
        $r.ExitCode | Should -Be -1
    }

    It 'refuses <Case> with WurPathRefused' -ForEach @(
        @{ Case = 'a DLL outside System32/SysWOW64'; Bad = (Join-Path -Path $env:TEMP -ChildPath 'wuapi.dll') }
        @{ Case = 'a DLL in a System32 subfolder'; Bad = (Join-Path -Path $env:SystemRoot -ChildPath 'System32\drivers\wuapi.dll') }
        @{ Case = 'a file that is not a .dll'; Bad = (Join-Path -Path $env:SystemRoot -ChildPath 'System32\notepad.exe') }
        @{ Case = 'a relative path'; Bad = 'wuapi.dll' }
        @{ Case = 'a path with a double quote'; Bad = ('{0}\System32\wu"api.dll' -f $env:SystemRoot) }
        @{ Case = 'a path climbing out with ..'; Bad = ('{0}\System32\..\Temp\wuapi.dll' -f $env:SystemRoot) }
        @{ Case = 'a UNC path'; Bad = '\\localhost\C$\Windows\System32\wuapi.dll' }
    ) {
        { Invoke-WurTestScript -Name 'Register-WurDll' -Parameters @{ Path = $Bad } -CheckMode } |
            Should -Throw -ErrorId 'WurPathRefused*'
    }
}
