<#
.SYNOPSIS
    Folder probes and the backup/restore/remove actions, never touching the
    real SoftwareDistribution content.
.DESCRIPTION
    Refusals use paths that must be refused: outside the allowed roots, a
    junction made with New-Item -ItemType Junction, bad BackupPath names.
    Every refusal that names a real folder (DataStore) also passes -WhatIf,
    so that even a broken check could not rename it. The real renames work
    on folders this suite creates inside %SystemRoot%\SoftwareDistribution
    (named wurepair-pester-*) and removes afterwards. Needs elevation.
#>

# Off Windows (pwsh on Linux) this suite cannot run: Pester prints why.
BeforeDiscovery {
    $WurOnWindows = ($PSVersionTable.PSEdition -eq 'Desktop') -or $IsWindows
}
if (-not $WurOnWindows) {
    Describe 'Folders.Tests.ps1' {
        It 'needs Windows' -ForEach @(@{ Why = 'needs Windows: it works inside the real %SystemRoot%\SoftwareDistribution and makes junctions; Folders.Linux.Tests.ps1 runs the same scripts on real folders and symbolic links here' }) {
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
    $id = [guid]::NewGuid().ToString('N').Substring(0, 12)
    $sd = Join-Path -Path $env:SystemRoot -ChildPath 'SoftwareDistribution'
    $dataStore = Join-Path -Path $sd -ChildPath 'DataStore'

    # A scratch area outside every allowed root, with a real folder and a
    # junction to it.
    $tmp = Join-Path -Path ([IO.Path]::GetTempPath()) -ChildPath ('wurepair-pester-' + $id)
    $real = Join-Path -Path $tmp -ChildPath 'real'
    $link = Join-Path -Path $tmp -ChildPath 'link'
    $null = New-Item -ItemType Directory -Path $real -Force
    Set-Content -LiteralPath (Join-Path -Path $real -ChildPath 'sentinel.txt') -Value 'keep me'
    $null = New-Item -ItemType Junction -Path $link -Target $real

    # Created inside SoftwareDistribution by the tests below, removed in AfterAll.
    $work = Join-Path -Path $sd -ChildPath ('wurepair-pester-' + $id)
    $sdLink = Join-Path -Path $sd -ChildPath ('wurepair-pester-link-' + $id)
    $fakeBackup = Join-Path -Path $sd -ChildPath ('Download.wurepair-pester-' + $id)
}

AfterAll {
    Remove-WurTestLink -LiteralPath $sdLink
    # Everything this run created in SoftwareDistribution carries its id.
    foreach ($p in @(Get-ChildItem -LiteralPath $sd -Force -Directory -Filter ('*pester*' + $id + '*') -ErrorAction SilentlyContinue)) {
        if (($p.Attributes -band [IO.FileAttributes]::ReparsePoint) -ne 0) { Remove-WurTestLink -LiteralPath $p.FullName } else { Remove-WurTestTree -LiteralPath $p.FullName }
    }
    Remove-WurTestLink -LiteralPath $link
    Remove-WurTestTree -LiteralPath $tmp
}

Describe 'Get-WurSoftwareDistribution' {
    BeforeAll {
        $result = Invoke-WurTestScript -Name 'Get-WurSoftwareDistribution'
    }

    It 'returns the manifest shape' {
        Assert-WurShape -Result $result -Script 'Get-WurSoftwareDistribution'
    }

    It 'lists the five folders in order' {
        (@($result.Folders | ForEach-Object { $_.Name }) -join ',') | Should -BeExactly 'SoftwareDistribution,DataStore,Download,catroot2,Downloader'
        $result.Folders[0].Path | Should -Be $sd
        $result.Folders[0].Exists | Should -BeTrue
        $result.Folders[0].IsReparsePoint | Should -BeFalse
    }

    It 'reports no size for a folder that does not exist' {
        foreach ($f in @($result.Folders | Where-Object { -not $_.Exists })) {
            $f.Files | Should -Be 0
            $f.Bytes | Should -Be 0
        }
    }
}

Describe 'Backup-WurFolder refusals' {
    It 'refuses a folder outside the allowed roots' {
        { Invoke-WurTestScript -Name 'Backup-WurFolder' -Parameters @{ Path = $real; BackupPath = ($real + '.wurepair-t1') } } |
            Should -Throw -ErrorId 'WurPathRefused*'
        Test-Path -LiteralPath $real | Should -BeTrue
        Test-Path -LiteralPath ($real + '.wurepair-t1') | Should -BeFalse
    }

    It 'refuses a junction outside the allowed roots and leaves it and its target alone' {
        { Invoke-WurTestScript -Name 'Backup-WurFolder' -Parameters @{ Path = $link; BackupPath = ($link + '.wurepair-t1') } } |
            Should -Throw -ErrorId 'WurPathRefused*'
        (((Get-Item -LiteralPath $link -Force).Attributes -band [IO.FileAttributes]::ReparsePoint) -ne 0) | Should -BeTrue
        Test-Path -LiteralPath (Join-Path -Path $real -ChildPath 'sentinel.txt') | Should -BeTrue
    }

    It 'refuses a junction inside SoftwareDistribution (never renamed nor followed)' -Skip:(-not $isAdmin) {
        $null = New-Item -ItemType Junction -Path $sdLink -Target $real
        try {
            { Invoke-WurTestScript -Name 'Backup-WurFolder' -Parameters @{ Path = $sdLink; BackupPath = ($sdLink + '.wurepair-t1') } -CheckMode } |
                Should -Throw -ErrorId 'WurPathRefused*'
            { Invoke-WurTestScript -Name 'Backup-WurFolder' -Parameters @{ Path = $sdLink; BackupPath = ($sdLink + '.wurepair-t1') } } |
                Should -Throw -ErrorId 'WurPathRefused*'
            Test-Path -LiteralPath ($sdLink + '.wurepair-t1') | Should -BeFalse
            Test-Path -LiteralPath (Join-Path -Path $real -ChildPath 'sentinel.txt') | Should -BeTrue
        } finally {
            Remove-WurTestLink -LiteralPath $sdLink
        }
    }

    It 'refuses a folder below a junction inside SoftwareDistribution' -Skip:(-not $isAdmin) {
        $null = New-Item -ItemType Junction -Path $sdLink -Target $tmp
        try {
            $below = Join-Path -Path $sdLink -ChildPath 'real'
            { Invoke-WurTestScript -Name 'Backup-WurFolder' -Parameters @{ Path = $below; BackupPath = ($below + '.wurepair-t1') } -CheckMode } |
                Should -Throw -ErrorId 'WurPathRefused*'
        } finally {
            Remove-WurTestLink -LiteralPath $sdLink
        }
    }

    It 'refuses Path <Case>' -ForEach @(
        @{ Case = 'given as a relative path'; Bad = 'SoftwareDistribution\DataStore' }
        @{ Case = 'given as a UNC path'; Bad = '\\localhost\C$\Windows\SoftwareDistribution\DataStore' }
        @{ Case = 'climbing out with ..'; Bad = ('{0}\SoftwareDistribution\..\System32' -f $env:SystemRoot) }
        @{ Case = 'that is %SystemRoot% itself'; Bad = $env:SystemRoot }
        @{ Case = 'inside a backup'; Bad = ('{0}\SoftwareDistribution\DataStore.wurepair-x\Logs' -f $env:SystemRoot) }
    ) {
        { Invoke-WurTestScript -Name 'Backup-WurFolder' -Parameters @{ Path = $Bad; BackupPath = ($Bad + '.wurepair-t1') } -CheckMode } |
            Should -Throw -ErrorId 'WurPathRefused*'
    }

    It 'refuses BackupPath <Case>' -ForEach @(
        @{ Case = 'in another folder'; Bad = (Join-Path -Path ([IO.Path]::GetTempPath()) -ChildPath 'DataStore.wurepair-t1') }
        @{ Case = 'named after another folder'; Bad = ('{0}\SoftwareDistribution\Download.wurepair-t1' -f $env:SystemRoot) }
        @{ Case = 'with an empty run id'; Bad = ('{0}\SoftwareDistribution\DataStore.wurepair-' -f $env:SystemRoot) }
        @{ Case = 'with a space in the run id'; Bad = ('{0}\SoftwareDistribution\DataStore.wurepair-a b' -f $env:SystemRoot) }
        @{ Case = 'with an underscore in the run id'; Bad = ('{0}\SoftwareDistribution\DataStore.wurepair-a_b' -f $env:SystemRoot) }
        @{ Case = 'without the .wurepair- marker'; Bad = ('{0}\SoftwareDistribution\DataStore.old' -f $env:SystemRoot) }
        @{ Case = 'equal to Path'; Bad = ('{0}\SoftwareDistribution\DataStore' -f $env:SystemRoot) }
        @{ Case = 'climbing out with ..'; Bad = ('{0}\SoftwareDistribution\DataStore.wurepair-x\..\..\DataStore.wurepair-x' -f $env:SystemRoot) }
    ) {
        { Invoke-WurTestScript -Name 'Backup-WurFolder' -Parameters @{ Path = $dataStore; BackupPath = $Bad } -CheckMode } |
            Should -Throw -ErrorId 'WurPathRefused*'
    }

    It 'refuses a Path that does not exist' {
        $absent = Join-Path -Path $sd -ChildPath ('wurepair-pester-absent-' + $id)
        { Invoke-WurTestScript -Name 'Backup-WurFolder' -Parameters @{ Path = $absent; BackupPath = ($absent + '.wurepair-t1') } -CheckMode } |
            Should -Throw -ErrorId 'WurPathRefused*'
    }

    It 'changes nothing with -WhatIf on the real DataStore' {
        if (-not (Test-Path -LiteralPath $dataStore)) { Set-ItResult -Skipped -Because 'this machine has no DataStore'; return }
        $backup = $dataStore + '.wurepair-pester-' + $id
        $r = Invoke-WurTestScript -Name 'Backup-WurFolder' -Parameters @{ Path = $dataStore; BackupPath = $backup } -CheckMode
        Assert-WurShape -Result $r -Script 'Backup-WurFolder'
        $r.WhatIf | Should -BeTrue
        $r.Renamed | Should -BeFalse
        $r.Recreated | Should -BeFalse
        Test-Path -LiteralPath $dataStore | Should -BeTrue
        Test-Path -LiteralPath $backup | Should -BeFalse
    }
}

Describe 'Backup-WurFolder and Restore-WurFolder on a scratch folder inside SoftwareDistribution' -Skip:(-not $isAdmin) {
    BeforeAll {
        $null = New-Item -ItemType Directory -Path $work -Force
        Set-Content -LiteralPath (Join-Path -Path $work -ChildPath 'old.txt') -Value 'old content'
        # An explicit ACE, as catroot2 carries one for NetworkService
        # (issue 20 item 1): the recreated folder must carry it too.
        $acl = Get-Acl -LiteralPath $work
        $ns = New-Object System.Security.Principal.SecurityIdentifier -ArgumentList 'S-1-5-20'
        $acl.AddAccessRule((New-Object System.Security.AccessControl.FileSystemAccessRule -ArgumentList $ns, 'Modify', 'ContainerInherit, ObjectInherit', 'None', 'Allow'))
        Set-Acl -LiteralPath $work -AclObject $acl
        $explicitBefore = ConvertTo-WurExplicitDacl -Sddl (Get-WurFolderDacl -LiteralPath $work)
        $backup = $work + '.wurepair-pester-' + $id
        $aside = $work + '.wurepair-pester-' + $id + '-rollback'
    }

    It 'renames the folder to its backup name and recreates it empty' {
        $r = Invoke-WurTestScript -Name 'Backup-WurFolder' -Parameters @{ Path = $work; BackupPath = $backup }
        Assert-WurShape -Result $r -Script 'Backup-WurFolder'
        $r.Renamed | Should -BeTrue
        $r.Recreated | Should -BeTrue
        $r.SecurityCopied | Should -BeTrue
        $r.SecurityHResult | Should -Be 0
        $r.WhatIf | Should -BeFalse
        Test-Path -LiteralPath (Join-Path -Path $backup -ChildPath 'old.txt') | Should -BeTrue
        @(Get-ChildItem -LiteralPath $work -Force).Count | Should -Be 0
    }

    It 'recreates it with the explicit ACEs of the original (NetworkService keeps its ACE)' {
        $explicitBefore | Should -BeLike '*;;;NS)*'
        ConvertTo-WurExplicitDacl -Sddl (Get-WurFolderDacl -LiteralPath $work) | Should -BeExactly $explicitBefore
        ConvertTo-WurExplicitDacl -Sddl (Get-WurFolderDacl -LiteralPath $backup) | Should -BeExactly $explicitBefore
    }

    It 'refuses a BackupPath that already exists' {
        { Invoke-WurTestScript -Name 'Backup-WurFolder' -Parameters @{ Path = $work; BackupPath = $backup } } |
            Should -Throw -ErrorId 'WurPathRefused*'
    }

    It 'restores over the empty recreated folder without setting anything aside' {
        $r = Invoke-WurTestScript -Name 'Restore-WurFolder' -Parameters @{ Path = $work; BackupPath = $backup; SetAsidePath = $aside }
        Assert-WurShape -Result $r -Script 'Restore-WurFolder'
        $r.Restored | Should -BeTrue
        $r.SetAsidePath | Should -BeExactly ''
        Test-Path -LiteralPath (Join-Path -Path $work -ChildPath 'old.txt') | Should -BeTrue
        Test-Path -LiteralPath $backup | Should -BeFalse
        Test-Path -LiteralPath $aside | Should -BeFalse
    }

    It 'sets aside (never deletes) new content found at Path' {
        $null = Invoke-WurTestScript -Name 'Backup-WurFolder' -Parameters @{ Path = $work; BackupPath = $backup }
        Set-Content -LiteralPath (Join-Path -Path $work -ChildPath 'new.txt') -Value 'new content'
        $r = Invoke-WurTestScript -Name 'Restore-WurFolder' -Parameters @{ Path = $work; BackupPath = $backup; SetAsidePath = $aside }
        $r.Restored | Should -BeTrue
        $r.SetAsidePath | Should -Be $aside
        Test-Path -LiteralPath (Join-Path -Path $work -ChildPath 'old.txt') | Should -BeTrue
        Test-Path -LiteralPath (Join-Path -Path $aside -ChildPath 'new.txt') | Should -BeTrue
    }

    It 'throws WurBackupMissing when the backup is gone' {
        { Invoke-WurTestScript -Name 'Restore-WurFolder' -Parameters @{ Path = $work; BackupPath = $backup; SetAsidePath = ($aside + '2') } } |
            Should -Throw -ErrorId 'WurBackupMissing*'
    }

    It 'refuses a SetAsidePath equal to the BackupPath or outside the parent' {
        $null = Invoke-WurTestScript -Name 'Backup-WurFolder' -Parameters @{ Path = $work; BackupPath = $backup }
        try {
            { Invoke-WurTestScript -Name 'Restore-WurFolder' -Parameters @{ Path = $work; BackupPath = $backup; SetAsidePath = $backup } } |
                Should -Throw -ErrorId 'WurPathRefused*'
            { Invoke-WurTestScript -Name 'Restore-WurFolder' -Parameters @{ Path = $work; BackupPath = $backup; SetAsidePath = (Join-Path -Path $tmp -ChildPath 'aside') } } |
                Should -Throw -ErrorId 'WurPathRefused*'
        } finally {
            $null = Invoke-WurTestScript -Name 'Restore-WurFolder' -Parameters @{ Path = $work; BackupPath = $backup; SetAsidePath = ($aside + '3') }
        }
        Test-Path -LiteralPath (Join-Path -Path $work -ChildPath 'old.txt') | Should -BeTrue
    }

    It 'changes nothing with -WhatIf' {
        $null = Invoke-WurTestScript -Name 'Backup-WurFolder' -Parameters @{ Path = $work; BackupPath = $backup }
        $r = Invoke-WurTestScript -Name 'Restore-WurFolder' -Parameters @{ Path = $work; BackupPath = $backup; SetAsidePath = ($aside + '4') } -CheckMode
        $r.WhatIf | Should -BeTrue
        $r.Restored | Should -BeFalse
        Test-Path -LiteralPath (Join-Path -Path $backup -ChildPath 'old.txt') | Should -BeTrue
        $null = Invoke-WurTestScript -Name 'Restore-WurFolder' -Parameters @{ Path = $work; BackupPath = $backup; SetAsidePath = ($aside + '4') }
    }
}

Describe 'Remove-WurBackup' {
    It 'refuses <Case> with WurPathRefused' -ForEach @(
        @{ Case = 'a backup name outside its parent'; Bad = (Join-Path -Path ([IO.Path]::GetTempPath()) -ChildPath 'DataStore.wurepair-t1') }
        @{ Case = 'a DataStore backup beside SoftwareDistribution'; Bad = (Join-Path -Path $env:SystemRoot -ChildPath 'DataStore.wurepair-t1') }
        @{ Case = 'the live DataStore'; Bad = (Join-Path -Path $env:SystemRoot -ChildPath 'SoftwareDistribution\DataStore') }
        @{ Case = 'SoftwareDistribution itself'; Bad = (Join-Path -Path $env:SystemRoot -ChildPath 'SoftwareDistribution') }
        @{ Case = 'a folder that is not one of the five'; Bad = (Join-Path -Path $env:SystemRoot -ChildPath 'SoftwareDistribution\Logs.wurepair-t1') }
        @{ Case = 'a bad run id'; Bad = (Join-Path -Path $env:SystemRoot -ChildPath 'SoftwareDistribution\DataStore.wurepair-a_b') }
        @{ Case = 'a relative path'; Bad = 'DataStore.wurepair-t1' }
    ) {
        { Invoke-WurTestScript -Name 'Remove-WurBackup' -Parameters @{ Path = $Bad } -CheckMode } |
            Should -Throw -ErrorId 'WurPathRefused*'
    }

    It 'reports a backup that does not exist as data (Removed = $false)' {
        $r = Invoke-WurTestScript -Name 'Remove-WurBackup' -Parameters @{ Path = (Join-Path -Path $sd -ChildPath ('DataStore.wurepair-pester-absent-' + $id)) }
        Assert-WurShape -Result $r -Script 'Remove-WurBackup'
        $r.Removed | Should -BeFalse
    }

    Context 'a fake Download backup holding a junction' -Skip:(-not $isAdmin) {
        BeforeAll {
            $nested = Join-Path -Path $fakeBackup -ChildPath 'a\b'
            $null = New-Item -ItemType Directory -Path $nested -Force
            Set-Content -LiteralPath (Join-Path -Path $nested -ChildPath 'file.bin') -Value 'x'
            $readOnly = Join-Path -Path $fakeBackup -ChildPath 'readonly.txt'
            Set-Content -LiteralPath $readOnly -Value 'ro'
            [IO.File]::SetAttributes($readOnly, [IO.FileAttributes]::ReadOnly)
            $null = New-Item -ItemType Junction -Path (Join-Path -Path $fakeBackup -ChildPath 'a\out') -Target $real
        }

        It 'is listed by Get-WurSoftwareDistribution with its run id and original' {
            $r = Invoke-WurTestScript -Name 'Get-WurSoftwareDistribution'
            $mine = @($r.Backups | Where-Object { $_.Path -eq $fakeBackup })
            $mine.Count | Should -Be 1
            $mine[0].RunId | Should -BeExactly ('pester-' + $id)
            $mine[0].Original | Should -Be (Join-Path -Path $sd -ChildPath 'Download')
            Test-WurIsoDate -Text $mine[0].Created | Should -BeTrue
        }

        It 'changes nothing with -WhatIf' {
            $r = Invoke-WurTestScript -Name 'Remove-WurBackup' -Parameters @{ Path = $fakeBackup } -CheckMode
            $r.WhatIf | Should -BeTrue
            $r.Removed | Should -BeFalse
            Test-Path -LiteralPath $fakeBackup | Should -BeTrue
        }

        It 'deletes it without following the junction inside' {
            $r = Invoke-WurTestScript -Name 'Remove-WurBackup' -Parameters @{ Path = $fakeBackup }
            $r.Removed | Should -BeTrue
            Test-Path -LiteralPath $fakeBackup | Should -BeFalse
            Test-Path -LiteralPath (Join-Path -Path $real -ChildPath 'sentinel.txt') | Should -BeTrue
        }
    }
}
