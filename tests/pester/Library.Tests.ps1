<#
.SYNOPSIS
    The safety library's helpers themselves (scripts/lib/WurSafety.ps1).
.DESCRIPTION
    Dot-sourced as the bootstrap loads it into every request runspace
    (WurTestHelpers.ps1). Platform-neutral helpers run everywhere; the
    off-Windows rules run off Windows only.
#>

BeforeDiscovery {
    $WurOnWindows = ($PSVersionTable.PSEdition -eq 'Desktop') -or $IsWindows
}

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'WurTestHelpers.ps1')
    $sep = [IO.Path]::DirectorySeparatorChar
    $abs = if ($sep -eq '\') { 'C:\Windows' } else { '/windows' }
}

Describe 'New-WurError' {
    It 'is a refusal without an exception' {
        $r = New-WurError -Id 'WurPathRefused' -Message 'no' -Target 'x'
        $r.FullyQualifiedErrorId | Should -Be 'WurPathRefused'
        [string]$r.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $r.Exception | Should -BeOfType ([System.ArgumentException])
        $r.TargetObject | Should -Be 'x'
    }
    It 'is a WriteError around the exception given, unless told the category' {
        $io = New-Object System.IO.IOException -ArgumentList 'disk', -2147024784
        $r = New-WurError -Id 'WurRemoveFailed' -Exception $io
        [string]$r.CategoryInfo.Category | Should -Be 'WriteError'
        $r.Exception.HResult | Should -Be -2147024784
        [string](New-WurError -Id 'X' -Exception $io -Category ObjectNotFound).CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}

Describe 'Resolve-WurPath, Test-WurSame, Test-WurUnder, Test-WurBackupName' {
    It 'refuses <Why>' -ForEach @(
        @{ Why = 'empty'; Candidate = '' }
        @{ Why = 'relative'; Candidate = 'Windows' }
        @{ Why = 'a double quote'; Candidate = '/windows/a"b' }
        @{ Why = 'UNC'; Candidate = '\\server\share' }
        @{ Why = 'a device path'; Candidate = '\\?\C:\Windows' }
    ) {
        Resolve-WurPath -Candidate $Candidate | Should -BeNullOrEmpty
    }
    It 'normalises and drops the trailing separator' {
        Resolve-WurPath -Candidate ($abs + $sep + 'a' + $sep + '..' + $sep + 'b' + $sep) | Should -Be ($abs + $sep + 'b')
    }
    It 'compares paths as Windows does, and knows inside from beside' {
        Test-WurSame 'C:\Windows' 'c:\WINDOWS' | Should -BeTrue
        Test-WurUnder -Child ($abs + $sep + 'x') -Root $abs | Should -BeTrue
        Test-WurUnder -Child ($abs + 'x') -Root $abs | Should -BeFalse
        Test-WurUnder -Child $abs -Root $abs | Should -BeFalse
    }
    It 'accepts only the folder name + .wurepair-runid beside the folder' {
        $of = $abs + $sep + 'DataStore'
        Test-WurBackupName -Candidate ($of + '.wurepair-20261204T000000Z-ab') -Of $of | Should -BeTrue
        Test-WurBackupName -Candidate ($of + '.wurepair-a b') -Of $of | Should -BeFalse
        Test-WurBackupName -Candidate ($abs + $sep + 'x' + $sep + 'DataStore.wurepair-1') -Of $of | Should -BeFalse
        Test-WurBackupName -Candidate '' -Of $of | Should -BeFalse
    }
}

Describe 'Test-WurLink: only name surrogates are links (issue 20 item 7)' {
    It 'tag <Tag> is a link: <Link>' -ForEach @(
        @{ Tag = 0xA0000003L; Link = $true }   # IO_REPARSE_TAG_MOUNT_POINT (junction)
        @{ Tag = 0xA000000CL; Link = $true }   # IO_REPARSE_TAG_SYMLINK
        @{ Tag = 0xA000001DL; Link = $true }   # IO_REPARSE_TAG_LX_SYMLINK: name-surrogate bit
        @{ Tag = 0x80000013L; Link = $false }  # IO_REPARSE_TAG_DEDUP
        @{ Tag = 0x9000001AL; Link = $false }  # IO_REPARSE_TAG_CLOUD_1 (OneDrive placeholder)
        @{ Tag = 0x80000017L; Link = $false }  # IO_REPARSE_TAG_WOF (compressed)
    ) {
        $global:WurTestTag = $Tag
        function Get-WurReparseTag {
            param([string]$LiteralPath)
            $global:WurTestTag
        }
        Test-WurLink -LiteralPath 'x' -Attributes ([IO.FileAttributes]'ReparsePoint, Archive') | Should -Be $Link
    }
    It 'is never a link without the reparse-point attribute, and is one when the tag cannot be read' {
        function Get-WurReparseTag {
            param([string]$LiteralPath)
            throw 'unreadable'
        }
        Test-WurLink -LiteralPath 'x' -Attributes ([IO.FileAttributes]::Directory) | Should -BeFalse
        Test-WurLink -LiteralPath 'x' -Attributes $null | Should -BeFalse
        Test-WurLink -LiteralPath 'x' -Attributes ([IO.FileAttributes]::ReparsePoint) | Should -BeTrue
    }
}

Describe 'Move-WurFolder' {
    It 'returns WurRenameFailed with an HRESULT for a folder that is not there' {
        $from = Join-Path ([IO.Path]::GetTempPath()) ('wurepair-none-' + [guid]::NewGuid().ToString('N'))
        $r = Move-WurFolder -From $from -To ($from + '.wurepair-x')
        $r.FullyQualifiedErrorId | Should -Be 'WurRenameFailed'
        $r.Exception | Should -BeOfType ([System.IO.IOException])
        $r.Exception.HResult | Should -Not -Be 0
    }
}

Describe 'Get-WurServiceCim: WMI asked by name, bounded (issue 20 item 8)' {
    BeforeAll {
        # Off Windows there is no Get-CimInstance, and Pester mocks only
        # commands that exist: a stand-in with the cmdlet's parameters.
        if ($null -eq (Get-Command -Name Get-CimInstance -ErrorAction SilentlyContinue)) {
            function Get-CimInstance {
                [CmdletBinding()]
                param([string]$ClassName, [string[]]$Property, [uint32]$OperationTimeoutSec, [string]$Filter)
                throw 'not mocked'
            }
        }
        $pendingKey = 'wurepair.WmiQueryPending'
    }
    BeforeEach {
        Mock Get-CimInstance { [pscustomobject]@{ Name = 'wuauserv'; ProcessId = [uint32]4412 } }
    }
    AfterEach {
        [AppDomain]::CurrentDomain.SetData($pendingKey, $null)
    }

    It 'asks Win32_Service with one WQL filter of the names, each once, with -OperationTimeoutSec' {
        $r = Get-WurServiceCim -Name @('wuauserv', 'BITS', 'wuauserv') -Property @('Name', 'ProcessId')
        $r.HResult | Should -Be 0
        @($r.Rows).Count | Should -Be 1
        Should -Invoke Get-CimInstance -Times 1 -Exactly -ParameterFilter {
            $ClassName -eq 'Win32_Service' -and $Filter -ceq "Name='wuauserv' OR Name='BITS'" -and
            $OperationTimeoutSec -gt 0 -and $OperationTimeoutSec -le 15 -and (@($Property) -join ',') -eq 'Name,ProcessId'
        }
    }
    It 'escapes a quote in a name: a name is data, never WQL' {
        $null = Get-WurServiceCim -Name @("a'b OR Name='x") -Property @('Name')
        Should -Invoke Get-CimInstance -Times 1 -Exactly -ParameterFilter { $Filter -ceq "Name='a\'b OR Name=\'x'" }
    }
    It 'refuses <Why> before asking WMI' -ForEach @(
        @{ Why = 'a backslash'; Bad = 'a\b' }
        @{ Why = 'a slash'; Bad = 'a/b' }
        @{ Why = 'an empty name'; Bad = '' }
        @{ Why = 'a control character'; Bad = "a`nb" }
        @{ Why = 'more than 256 characters'; Bad = ('x' * 257) }
    ) {
        { Get-WurServiceCim -Name @('wuauserv', $Bad) -Property @('Name') } | Should -Throw -ErrorId 'WurServiceNameRefused'
        Should -Invoke Get-CimInstance -Times 0 -Exactly
    }
    It 'asks nothing for no name' {
        $r = Get-WurServiceCim -Name @() -Property @('Name')
        $r.HResult | Should -Be 0
        @($r.Rows).Count | Should -Be 0
        Should -Invoke Get-CimInstance -Times 0 -Exactly
    }
    It 'reports a broken WMI as its HRESULT, no rows, no error' {
        Mock Get-CimInstance { throw (New-Object System.Runtime.InteropServices.COMException -ArgumentList 'Invalid class', ([int]-2147217392)) }
        $r = Get-WurServiceCim -Name @('wuauserv') -Property @('Name')
        $r.HResult | Should -Be ([int64][int]-2147217392)
        @($r.Rows).Count | Should -Be 0
    }
    It 'does not ask again while an earlier query of this process is still blocked in WMI' {
        [AppDomain]::CurrentDomain.SetData($pendingKey, [pscustomobject]@{ IsCompleted = $false })
        $r = Get-WurServiceCim -Name @('wuauserv') -Property @('Name')
        $r.HResult | Should -Be ([int64]0x800705B4)
        Should -Invoke Get-CimInstance -Times 0 -Exactly
    }
}

Describe 'Off Windows' -Skip:$WurOnWindows {
    It 'Get-WurKnownFolder has no answer: tests replace it, scripts never name a test function' {
        { Get-WurKnownFolder -Folder Windows } | Should -Throw -ExceptionType ([System.PlatformNotSupportedException])
    }
    It 'long paths are left as they are, and reparse tags are symbolic links' {
        ConvertTo-WurLongPath -LiteralPath '/a/b' | Should -Be '/a/b'
        ConvertFrom-WurLongPath -LiteralPath '\\?\C:\Windows' | Should -Be 'C:\Windows'
        Get-WurReparseTag -LiteralPath '/x' | Should -Be 0xA000000CL
        Lock-WurFolder -LiteralPath '/x' | Should -BeFalse
    }
}
