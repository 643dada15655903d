<#
.SYNOPSIS
    The folder scripts on real folders and real symbolic links, off Windows.
.DESCRIPTION
    pwsh on Linux: .NET reports a symbolic link with
    FileAttributes.ReparsePoint (and Directory when it points at one), as a
    junction on Windows, so the scripts' link refusals run for real. The
    scripts take the Windows and ProgramData folders from
    the safety library's Get-WurKnownFolder, which off Windows has no
    answer: this suite replaces it to point at a scratch tree it owns. Nothing outside
    that tree is touched. On Windows, Folders.Tests.ps1 runs instead.
#>

BeforeDiscovery {
    $WurOnWindows = ($PSVersionTable.PSEdition -eq 'Desktop') -or $IsWindows
}
if ($WurOnWindows) {
    Describe 'Folders.Linux.Tests.ps1' {
        It 'runs off Windows only' -ForEach @(@{ Why = 'off Windows only: on Windows, Folders.Tests.ps1 runs the folder scripts in the real SoftwareDistribution' }) {
            Set-ItResult -Skipped -Because $Why
        }
    }
    return
}

BeforeAll {
    . (Join-Path -Path $PSScriptRoot -ChildPath 'WurTestHelpers.ps1')
    $root = Join-Path -Path ([IO.Path]::GetTempPath()) -ChildPath ('wurepair-pester-' + [guid]::NewGuid().ToString('N').Substring(0, 12))
    $win = Join-Path -Path $root -ChildPath 'Windows'
    $sd = Join-Path -Path $win -ChildPath 'SoftwareDistribution'
    $ds = Join-Path -Path $sd -ChildPath 'DataStore'
    $dl = Join-Path -Path $sd -ChildPath 'Download'
    $outside = Join-Path -Path $root -ChildPath 'outside'
    foreach ($d in @($ds, $dl, (Join-Path $win 'System32/catroot2'), (Join-Path $root 'ProgramData/Microsoft/Network/Downloader'), $outside)) {
        $null = New-Item -ItemType Directory -Path $d -Force
    }
    [IO.File]::WriteAllBytes((Join-Path $ds 'DataStore.edb'), [byte[]]::new(4096))
    [IO.File]::WriteAllBytes((Join-Path $dl 'a.cab'), [byte[]]::new(1000))
    Set-Content -LiteralPath (Join-Path $outside 'sentinel.txt') -Value 'keep me'
    $null = New-Item -ItemType SymbolicLink -Path (Join-Path $dl 'evil') -Target $outside

    # Replaces the library's helper (dot-sourced by WurTestHelpers.ps1).
    function Get-WurKnownFolder {
        param([string]$Folder)  # a System.Environment+SpecialFolder name
        switch ($Folder) {
            'Windows' { return $win }
            'CommonApplicationData' { return (Join-Path -Path $root -ChildPath 'ProgramData') }
        }
        throw "no test folder for $Folder"
    }

    # Off Windows there are no DACLs: the library's two DACL helpers are
    # replaced by ones keeping an SDDL per path here ($global:WurTestDacl);
    # the script's own logic (what it copies, compares and reports) is real.
    $global:WurTestDacl = @{}
    $global:WurTestDaclFails = @{}
    function Get-WurFolderDacl {
        param([string]$LiteralPath)
        if ($global:WurTestDaclFails.ContainsKey('read:' + $LiteralPath)) {
            throw (New-Object System.ComponentModel.Win32Exception -ArgumentList 5)
        }
        if ($global:WurTestDacl.ContainsKey($LiteralPath)) { return $global:WurTestDacl[$LiteralPath] }
        'D:AI(A;OICIID;FA;;;SY)'
    }
    function New-WurFolderWithDacl {
        param([string]$LiteralPath, [string]$Sddl)
        if ($global:WurTestDaclFails.ContainsKey('create:' + $LiteralPath)) {
            throw (New-Object System.IO.IOException -ArgumentList 'disk full', -2147024784)
        }
        $null = [IO.Directory]::CreateDirectory($LiteralPath)
        # Windows adds the parent's inheritable ACEs; a test may ask for a
        # different read-back to stand for a kernel that changed the ACEs.
        $global:WurTestDacl[$LiteralPath] = $Sddl + '(A;OICIID;FA;;;SY)'
        if ($global:WurTestDaclFails.ContainsKey('differ:' + $LiteralPath)) { $global:WurTestDacl[$LiteralPath] = 'D:AI(A;OICIID;FA;;;SY)' }
    }
}

AfterAll {
    Remove-WurTestTree -LiteralPath $root
    Remove-Variable -Name 'WurTestDacl', 'WurTestDaclFails' -Scope Global -ErrorAction SilentlyContinue
}

Describe 'Get-WurSoftwareDistribution on real folders' {
    BeforeAll { $result = Invoke-WurTestScript -Name 'Get-WurSoftwareDistribution' }

    It 'returns the manifest shape' {
        Assert-WurShape -Result $result -Script 'Get-WurSoftwareDistribution'
    }
    It 'counts files without following the link, and names the link' {
        $download = $result.Folders[2]
        $download.Files | Should -Be 1
        $download.Bytes | Should -Be 1000
        @($download.ReparsePoints) | Should -Be @((Join-Path $dl 'evil'))
        @($download.Unreadable).Count | Should -Be 0
    }
}

Describe 'Folders that cannot be listed (issue 9 item 18)' {
    BeforeDiscovery { $WurIsRoot = ((& id -u) -eq '0') }
    It 'names a folder it may not list, and counts nothing inside' -Skip:$WurIsRoot {
        # Root lists any folder whatever its mode: this runs only when not root
        # (tests/realps shows a path too long to list as root too).
        $denied = Join-Path $dl 'denied'
        $null = New-Item -ItemType Directory -Path $denied
        [IO.File]::WriteAllBytes((Join-Path $denied 'hidden.cab'), [byte[]]::new(10))
        & chmod 000 $denied
        try {
            $r = Invoke-WurTestScript -Name 'Get-WurSoftwareDistribution'
            @($r.Folders[2].Unreadable) | Should -Be @($denied)
            $r.Folders[2].Files | Should -Be 1
        } finally {
            & chmod 755 $denied
            Remove-Item -LiteralPath $denied -Recurse -Force
        }
    }
}

Describe 'A rename Windows refuses (issue 9 item 10)' {
    It 'throws WurRenameFailed with the Win32 code, and changes nothing' {
        # Read-only when not root; immutable (chattr +i) as root, which
        # permissions do not stop.
        $isRoot = ((& id -u) -eq '0')
        if ($isRoot) { & chattr +i $sd } else { & chmod 555 $sd }
        try {
            $err = $null
            try {
                Invoke-WurTestScript -Name 'Backup-WurFolder' -Parameters @{ Path = $ds; BackupPath = ($ds + '.wurepair-t9') }
            } catch {
                $err = $_
            }
            $err | Should -Not -BeNullOrEmpty
            $err.FullyQualifiedErrorId | Should -BeLike 'WurRenameFailed*'
            $err.Exception | Should -BeOfType ([System.IO.IOException])
            ('0x{0:X8}' -f $err.Exception.HResult) | Should -Be '0x80070005'
            Test-Path -LiteralPath ($ds + '.wurepair-t9') | Should -BeFalse
            Test-Path -LiteralPath (Join-Path $ds 'DataStore.edb') | Should -BeTrue
        } finally {
            if ($isRoot) { & chattr -i $sd } else { & chmod 755 $sd }
        }
    }
}

Describe 'Backup, restore and remove on real folders' {
    It 'refuses a symbolic link, a path behind it, and a path outside the roots' {
        { Invoke-WurTestScript -Name 'Backup-WurFolder' -Parameters @{ Path = (Join-Path $dl 'evil'); BackupPath = (Join-Path $dl 'evil.wurepair-t1') } } | Should -Throw -ErrorId 'WurPathRefused*'
        { Invoke-WurTestScript -Name 'Backup-WurFolder' -Parameters @{ Path = (Join-Path $dl 'evil/sub'); BackupPath = (Join-Path $dl 'evil/sub.wurepair-t1') } } | Should -Throw -ErrorId 'WurPathRefused*'
        { Invoke-WurTestScript -Name 'Backup-WurFolder' -Parameters @{ Path = $outside; BackupPath = ($outside + '.wurepair-t1') } } | Should -Throw -ErrorId 'WurPathRefused*'
        Test-Path -LiteralPath (Join-Path $outside 'sentinel.txt') | Should -BeTrue
    }

    It 'changes nothing with -WhatIf' {
        $r = Invoke-WurTestScript -Name 'Backup-WurFolder' -Parameters @{ Path = $ds; BackupPath = ($ds + '.wurepair-20240601T120000Z-w') } -CheckMode
        Assert-WurShape -Result $r -Script 'Backup-WurFolder'
        $r.WhatIf | Should -BeTrue
        $r.Renamed | Should -BeFalse
        Test-Path -LiteralPath ($ds + '.wurepair-20240601T120000Z-w') | Should -BeFalse
    }

    It 'renames DataStore aside, recreates it empty, and restores it' {
        $bk = $ds + '.wurepair-20240601T120000Z-a1'
        $r = Invoke-WurTestScript -Name 'Backup-WurFolder' -Parameters @{ Path = $ds; BackupPath = $bk }
        Assert-WurShape -Result $r -Script 'Backup-WurFolder'
        $r.Renamed | Should -BeTrue
        $r.Recreated | Should -BeTrue
        Test-Path -LiteralPath (Join-Path $bk 'DataStore.edb') | Should -BeTrue
        @(Get-ChildItem -LiteralPath $ds -Force).Count | Should -Be 0

        $probe = Invoke-WurTestScript -Name 'Get-WurSoftwareDistribution'
        @($probe.Backups).Count | Should -Be 1
        $probe.Backups[0].Created | Should -BeExactly '2024-06-01T12:00:00.0000000Z'

        $r = Invoke-WurTestScript -Name 'Restore-WurFolder' -Parameters @{ Path = $ds; BackupPath = $bk; SetAsidePath = ($ds + '.wurepair-20240601T120000Z-a1-aside') }
        Assert-WurShape -Result $r -Script 'Restore-WurFolder'
        $r.Restored | Should -BeTrue
        $r.SetAsidePath | Should -BeExactly ''
        Test-Path -LiteralPath (Join-Path $ds 'DataStore.edb') | Should -BeTrue
    }

    It 'removes a backup holding a link as a link, never entering it' {
        $bk = $dl + '.wurepair-20240601T120000Z-r1'
        $null = Invoke-WurTestScript -Name 'Backup-WurFolder' -Parameters @{ Path = $dl; BackupPath = $bk }
        $r = Invoke-WurTestScript -Name 'Remove-WurBackup' -Parameters @{ Path = $bk }
        Assert-WurShape -Result $r -Script 'Remove-WurBackup'
        $r.Removed | Should -BeTrue
        Test-Path -LiteralPath $bk | Should -BeFalse
        Test-Path -LiteralPath (Join-Path $outside 'sentinel.txt') | Should -BeTrue
    }
}

Describe 'The recreated folder keeps the DACL (issue 20 item 1)' {
    BeforeEach {
        $global:WurTestDaclFails.Clear()
        $cat = Join-Path $win 'System32/catroot2'
        $global:WurTestDacl[$cat] = 'D:AI(A;OICI;0x1301bf;;;NS)(A;ID;FA;;;SY)(A;OICIIOID;GA;;;SY)'
    }
    AfterEach {
        foreach ($p in @(Get-ChildItem -LiteralPath (Join-Path $win 'System32') -Directory -Filter 'catroot2.wurepair-*')) {
            if (Test-Path -LiteralPath $cat) { Remove-Item -LiteralPath $cat -Recurse -Force }
            [IO.Directory]::Move($p.FullName, $cat)
        }
        if (-not (Test-Path -LiteralPath $cat)) { $null = New-Item -ItemType Directory -Path $cat }
    }

    It 'creates the folder with the explicit ACEs only, and says it copied them' {
        $r = Invoke-WurTestScript -Name 'Backup-WurFolder' -Parameters @{ Path = $cat; BackupPath = ($cat + '.wurepair-p1') }
        Assert-WurShape -Result $r -Script 'Backup-WurFolder'
        $r.Recreated | Should -BeTrue
        $r.SecurityCopied | Should -BeTrue
        $r.SecurityHResult | Should -Be 0
        $global:WurTestDacl[$cat] | Should -BeExactly 'D:(A;OICI;0x1301bf;;;NS)(A;OICIID;FA;;;SY)'
    }

    It 'keeps a protected DACL protected' {
        $global:WurTestDacl[$cat] = 'D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)'
        $r = Invoke-WurTestScript -Name 'Backup-WurFolder' -Parameters @{ Path = $cat; BackupPath = ($cat + '.wurepair-p2') }
        $r.SecurityCopied | Should -BeTrue
        $global:WurTestDacl[$cat] | Should -BeLike 'D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)*'
    }

    It 'reports a creation that fails as data, and does not make the folder' {
        $global:WurTestDaclFails['create:' + $cat] = $true
        $r = Invoke-WurTestScript -Name 'Backup-WurFolder' -Parameters @{ Path = $cat; BackupPath = ($cat + '.wurepair-p3') }
        $r.Renamed | Should -BeTrue
        $r.Recreated | Should -BeFalse
        $r.SecurityCopied | Should -BeFalse
        ('0x{0:X8}' -f [int]$r.SecurityHResult) | Should -Be '0x80070070'
        Test-Path -LiteralPath $cat | Should -BeFalse
    }

    It 'reports a folder that reads back with other ACEs (0x8007053A)' {
        $global:WurTestDaclFails['differ:' + $cat] = $true
        $r = Invoke-WurTestScript -Name 'Backup-WurFolder' -Parameters @{ Path = $cat; BackupPath = ($cat + '.wurepair-p4') }
        $r.Recreated | Should -BeTrue
        $r.SecurityCopied | Should -BeFalse
        ('0x{0:X8}' -f [int]$r.SecurityHResult) | Should -Be '0x8007053A'
    }

    It 'renames nothing when the DACL cannot be read' {
        $global:WurTestDaclFails['read:' + $cat] = $true
        $err = $null
        try {
            Invoke-WurTestScript -Name 'Backup-WurFolder' -Parameters @{ Path = $cat; BackupPath = ($cat + '.wurepair-p5') }
        } catch {
            $err = $_
        }
        $err.FullyQualifiedErrorId | Should -BeLike 'WurSecurityUnreadable*'
        ('0x{0:X8}' -f $err.Exception.HResult) | Should -Be '0x80070005'
        Test-Path -LiteralPath ($cat + '.wurepair-p5') | Should -BeFalse
        Test-Path -LiteralPath $cat | Should -BeTrue
    }
}

Describe 'ConvertTo-WurExplicitDacl' {
    It 'keeps the explicit ACEs in order and the protection, drops inherited ones' -ForEach @(
        @{ In = 'D:AI(A;OICI;0x1301bf;;;NS)(A;ID;FA;;;SY)(A;OICIIOID;GA;;;BA)'; Out = 'D:(A;OICI;0x1301bf;;;NS)' }
        @{ In = 'D:PAI(A;OICI;FA;;;SY)(D;;WD;;;BU)(A;OICI;FA;;;BA)'; Out = 'D:P(A;OICI;FA;;;SY)(D;;WD;;;BU)(A;OICI;FA;;;BA)' }
        @{ In = 'D:AI'; Out = 'D:' }
        @{ In = 'D:NO_ACCESS_CONTROL'; Out = 'D:NO_ACCESS_CONTROL' }
    ) {
        ConvertTo-WurExplicitDacl -Sddl $In | Should -BeExactly $Out
    }
    It 'refuses what it cannot read ACE by ACE: <In>' -ForEach @(
        @{ In = 'O:SYD:(A;;FA;;;SY)' }
        @{ In = 'D:(XA;;FA;;;WD;(Member_of {SID(BA)}))' }
        @{ In = 'D:(A;OICI;FA)' }
    ) {
        { ConvertTo-WurExplicitDacl -Sddl $In } | Should -Throw
    }
}

Describe 'Remove-WurBackup and a link swapped in mid-walk (issue 19 item 3)' {
    # Deterministic, not timed: the test replaces the library's listing
    # helper (Get-WurChildItems) with one that swaps the folder being walked
    # for a symbolic link to a folder outside the backup, before or after
    # listing it. Nothing outside may be deleted.
    BeforeAll {
        $global:WurTestRealChildItems = ${function:Get-WurChildItems}
    }
    AfterAll {
        Remove-Variable -Name 'WurTestRealChildItems', 'WurTestSwap' -Scope Global -ErrorAction SilentlyContinue
    }
    It 'stops, deleting nothing through the link, when the swap comes <When> the listing' -ForEach @(
        @{ When = 'before' }
        @{ When = 'after' }
    ) {
        $bk = Join-Path $sd ('Download.wurepair-swap' + $When)
        $victim = Join-Path $bk 'victim'
        $null = New-Item -ItemType Directory -Path $victim -Force
        foreach ($i in 1..3) { [IO.File]::WriteAllBytes((Join-Path $victim "own$i.cab"), [byte[]]::new(8)) }
        $target = Join-Path $root ('outside-' + $When)
        $null = New-Item -ItemType Directory -Path $target -Force
        foreach ($i in 1..40) { Set-Content -LiteralPath (Join-Path $target "keep$i.txt") -Value 'keep me' }
        # The same names as inside the backup: a walk that listed the real
        # folder and then deletes by name through the link would hit these.
        foreach ($i in 1..3) { Set-Content -LiteralPath (Join-Path $target "own$i.cab") -Value 'keep me' }
        $global:WurTestSwap = @{ Victim = $victim; Target = $target; When = $When; Done = $false }
        function Get-WurChildItems {
            param([string]$LiteralPath)
            $s = $global:WurTestSwap
            $swap = -not $s.Done -and $LiteralPath -eq $s.Victim
            if ($swap -and $s.When -eq 'before') {
                $s.Done = $true
                [IO.Directory]::Move($s.Victim, $s.Victim + '.moved')
                $null = New-Item -ItemType SymbolicLink -Path $s.Victim -Target $s.Target
            }
            $out = & $global:WurTestRealChildItems -LiteralPath $LiteralPath
            if ($swap -and $s.When -eq 'after') {
                $s.Done = $true
                [IO.Directory]::Move($s.Victim, $s.Victim + '.moved')
                $null = New-Item -ItemType SymbolicLink -Path $s.Victim -Target $s.Target
            }
            , $out
        }
        { Invoke-WurTestScript -Name 'Remove-WurBackup' -Parameters @{ Path = $bk } } | Should -Throw -ErrorId 'WurRemoveFailed*'

        $global:WurTestSwap.Done | Should -BeTrue
        @(Get-ChildItem -LiteralPath $target -File).Count | Should -Be 43
    }
}

Describe 'Reparse points that are not links (issue 20 item 7)' {
    # The tag comes from FindFirstFileW on Windows; here the test replaces
    # the library's Get-WurReparseTag, and a real symbolic link stands for
    # the reparse point (on Linux .NET reports it as ReparsePoint).
    It 'counts a deduplicated file (IO_REPARSE_TAG_DEDUP) as a file, not as a link' {
        $before = (Invoke-WurTestScript -Name 'Get-WurSoftwareDistribution').Folders[2]
        $file = Join-Path $dl 'dedup.cab'
        $data = Join-Path $outside 'dedup-data.bin'
        [IO.File]::WriteAllBytes($data, [byte[]]::new(500))
        $null = New-Item -ItemType SymbolicLink -Path $file -Target $data
        try {
            function Get-WurReparseTag {
                param([string]$LiteralPath)
                if ($LiteralPath.EndsWith('dedup.cab')) { return [int64]0x80000013 }
                [int64]0xA000000C
            }
            $download = (Invoke-WurTestScript -Name 'Get-WurSoftwareDistribution').Folders[2]
            $download.Files | Should -Be ($before.Files + 1)
            # Off Windows the length .NET gives is the link's own; a
            # deduplicated file on Windows reports its logical size.
            $download.Bytes | Should -Be ($before.Bytes + (New-Object IO.FileInfo -ArgumentList $file).Length)
            @($download.ReparsePoints) | Should -Be @($before.ReparsePoints)
        } finally {
            Remove-Item -LiteralPath $file -Force
        }
    }
}
