<#
.SYNOPSIS
    wurepair's safety library: the helpers the scripts share, defined once.
.DESCRIPTION
    Not a script: only function definitions, no output, no side effect.
    The session bootstrap runs this text in every request runspace before the
    request (scripts.Load puts it into the bootstrap, so the bootstrap's
    SHA-256, `wurepair scripts list`, the -File copy and release signing all
    cover it), and the scripts call these functions without defining them.

    To run an exported script alone, dot-source this file first:
        . .\lib\WurSafety.ps1
        .\Get-WurSoftwareDistribution.ps1

    Tests replace Get-WurKnownFolder (and, to make a race deterministic, other
    helpers here) by defining a function of the same name after this file
    ran; no function here names a test function or reads a test variable.
    Valid for Windows PowerShell 5.1 and pwsh 7. Must not hold a line that
    starts with the two characters that end a single-quoted here-string
    (scripts.Load checks): the bootstrap carries it in one.
#>

function New-WurError {
    # An ErrorRecord for $PSCmdlet.ThrowTerminatingError with our own error
    # id. Without -Exception: a refusal (ArgumentException, InvalidArgument);
    # with one: WriteError unless -Category says otherwise.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)][string]$Id,
        [string]$Message,
        [string]$Target,
        [System.Exception]$Exception,
        [System.Management.Automation.ErrorCategory]$Category = [System.Management.Automation.ErrorCategory]::InvalidArgument
    )
    if ($null -eq $Exception) {
        $Exception = New-Object System.ArgumentException -ArgumentList $Message
    } elseif (-not $PSBoundParameters.ContainsKey('Category')) {
        $Category = [System.Management.Automation.ErrorCategory]::WriteError
    }
    New-Object System.Management.Automation.ErrorRecord -ArgumentList $Exception, $Id, $Category, $Target
}

function Get-WurInnerException {
    # The innermost exception: PowerShell wraps a failing .NET call's
    # exception in a MethodInvocationException; the HResult is inside.
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)][System.Exception]$Exception)
    $e = $Exception
    while ($null -ne $e.InnerException) { $e = $e.InnerException }
    $e
}

function Get-WurWin32Error {
    # The SCM's error code: NativeErrorCode of the Win32Exception that
    # ServiceController puts inside its InvalidOperationException (which
    # PowerShell wraps again in a MethodInvocationException). Never the text.
    [CmdletBinding()]
    param($Record)
    $e = $Record.Exception
    while ($null -ne $e) {
        if ($e -is [System.ComponentModel.Win32Exception]) { return [int]$e.NativeErrorCode }
        $e = $e.InnerException
    }
    0
}

function Test-WurWindows {
    # True on Windows. Off Windows only the test engine (pwsh on Linux) runs.
    [CmdletBinding()]
    param()
    [Environment]::OSVersion.Platform -eq [PlatformID]::Win32NT
}

function Get-WurKnownFolder {
    # The Windows and ProgramData folders as the OS knows them
    # (Environment.GetFolderPath: SHGetKnownFolderPath), never from the
    # SystemRoot/ProgramData environment variables that whoever starts the
    # process can set. Off Windows there is no such folder: an error. The
    # test engines replace this one function (tests/realps/doubles/Machine.ps1,
    # tests/pester); the scripts never name a test function.
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)][ValidateSet('Windows', 'CommonApplicationData')][string]$Folder)
    if (-not (Test-WurWindows)) {
        throw (New-Object System.PlatformNotSupportedException -ArgumentList ('There is no Windows known folder {0} on this platform.' -f $Folder))
    }
    $path = [Environment]::GetFolderPath($Folder)
    if ([string]::IsNullOrEmpty($path)) {
        throw (New-Object System.IO.DirectoryNotFoundException -ArgumentList ('Windows does not name a {0} folder.' -f $Folder))
    }
    $path
}

function Resolve-WurPath {
    # Full, normalised local path without a trailing separator, or $null.
    # UNC, device (\\?\), drive-relative and stream (X:\a:b) paths are
    # refused, and so is a double quote (no Windows name holds one; regsvr32
    # gets the path quoted). Off Windows (the test engine) absolute is /...
    [CmdletBinding()]
    param([AllowEmptyString()][AllowNull()][string]$Candidate)
    $sep = [System.IO.Path]::DirectorySeparatorChar
    if ([string]::IsNullOrWhiteSpace($Candidate) -or $Candidate.IndexOf([char]34) -ge 0) { return $null }
    if ($sep -eq '\') {
        if ($Candidate -notmatch '^[A-Za-z]:\\' -or $Candidate.IndexOf(':', 2) -ge 0) { return $null }
    } elseif (-not $Candidate.StartsWith('/')) {
        return $null
    }
    try {
        $full = [System.IO.Path]::GetFullPath($Candidate)
    } catch {
        return $null
    }
    $full.TrimEnd($sep)
}

function Test-WurSame {
    # Same path, as Windows compares names (ordinal, case-insensitive).
    [CmdletBinding()]
    param([string]$A, [string]$B)
    [string]::Equals($A, $B, [StringComparison]::OrdinalIgnoreCase)
}

function Test-WurUnder {
    # True when $Child is strictly inside $Root.
    [CmdletBinding()]
    param([string]$Child, [string]$Root)
    $Child.StartsWith($Root + [System.IO.Path]::DirectorySeparatorChar, [StringComparison]::OrdinalIgnoreCase)
}

function Get-WurFolderSet {
    # The five folders wurepair may back up, in Get-WurSoftwareDistribution's
    # order: Name, Path, Parent (where its <name>.wurepair-<runid> backups live).
    [CmdletBinding()]
    param()
    $windows = Resolve-WurPath -Candidate (Get-WurKnownFolder -Folder Windows)
    $programData = Resolve-WurPath -Candidate (Get-WurKnownFolder -Folder CommonApplicationData)
    $sd = Join-Path -Path $windows -ChildPath 'SoftwareDistribution'
    $set = @(
        @{ Name = 'SoftwareDistribution'; Path = $sd }
        @{ Name = 'DataStore'; Path = (Join-Path -Path $sd -ChildPath 'DataStore') }
        @{ Name = 'Download'; Path = (Join-Path -Path $sd -ChildPath 'Download') }
        @{ Name = 'catroot2'; Path = (Join-Path -Path $windows -ChildPath 'System32\catroot2') }
        @{ Name = 'Downloader'; Path = (Join-Path -Path $programData -ChildPath 'Microsoft\Network\Downloader') }
    )
    foreach ($f in $set) {
        # Join-Path keeps the '\' of the child on Linux (the test engine).
        $path = $f.Path.Replace('\', [string][System.IO.Path]::DirectorySeparatorChar)
        [pscustomobject]@{ Name = $f.Name; Path = $path; Parent = [System.IO.Path]::GetDirectoryName($path) }
    }
}

function Test-WurBackupSource {
    # True when $Full is a folder wurepair may back up or restore: one of the
    # five, or inside SoftwareDistribution but not inside a backup.
    [CmdletBinding()]
    param([string]$Full)
    $set = @(Get-WurFolderSet)
    if (@($set | Where-Object { Test-WurSame $_.Path $Full }).Count -gt 0) { return $true }
    $sd = $set[0].Path
    if (-not (Test-WurUnder -Child $Full -Root $sd)) { return $false }
    foreach ($segment in $Full.Substring($sd.Length + 1).Split([System.IO.Path]::DirectorySeparatorChar)) {
        if ($segment.IndexOf('.wurepair-', [StringComparison]::OrdinalIgnoreCase) -ge 0) { return $false }
    }
    $true
}

function Test-WurBackupName {
    # True when $Candidate is $Of + ".wurepair-<id>" ([0-9A-Za-z-]+) in the same parent.
    [CmdletBinding()]
    param([AllowEmptyString()][string]$Candidate, [string]$Of)
    # A [string] parameter turns $null into '': test for empty, not $null.
    if ([string]::IsNullOrEmpty($Candidate)) { return $false }
    $pattern = '^' + [regex]::Escape([System.IO.Path]::GetFileName($Of)) + '\.wurepair-[0-9A-Za-z-]+$'
    (Test-WurSame ([System.IO.Path]::GetDirectoryName($Candidate)) ([System.IO.Path]::GetDirectoryName($Of))) -and
    [regex]::IsMatch([System.IO.Path]::GetFileName($Candidate), $pattern, [System.Text.RegularExpressions.RegexOptions]::IgnoreCase)
}

function ConvertTo-WurLongPath {
    # X:\... -> \\?\X:\... on Windows: with the prefix, .NET Framework 4.6.2+
    # hands the path to Win32 as it is and MAX_PATH (260 characters, 248 for
    # a folder) does not apply ("Maximum Path Length Limitation",
    # learn.microsoft.com/windows/win32/fileio/maximum-file-path-limitation;
    # .NET Framework 4.6.2 long path support). The prefix also switches off
    # normalisation, so only full, normalised paths (Resolve-WurPath's) come
    # here. Where the runtime refuses the prefix (legacy path handling) the
    # path is returned as it is, and the 260 limit applies. Off Windows:
    # unchanged.
    [CmdletBinding()]
    param([string]$LiteralPath)
    if (-not (Test-WurWindows) -or $LiteralPath -notmatch '^[A-Za-z]:\\') { return $LiteralPath }
    $long = '\\?\' + $LiteralPath
    try {
        $null = [System.IO.Path]::GetFullPath($long)
    } catch {
        return $LiteralPath
    }
    $long
}

function ConvertFrom-WurLongPath {
    # \\?\X:\... -> X:\... (what the scripts report).
    [CmdletBinding()]
    param([string]$LiteralPath)
    if ($LiteralPath.StartsWith('\\?\') -and $LiteralPath -match '^\\\\\?\\[A-Za-z]:\\') { return $LiteralPath.Substring(4) }
    $LiteralPath
}

function Get-WurAttributes {
    # The entry's own attributes, $null when nothing is there. This does not
    # traverse a reparse point: a junction, even dangling, reports itself.
    [CmdletBinding()]
    param([string]$LiteralPath)
    try {
        return [System.IO.File]::GetAttributes((ConvertTo-WurLongPath -LiteralPath $LiteralPath))
    } catch {
        # Only "not found" means absent; anything else (access denied) is real.
        $e = Get-WurInnerException -Exception $_.Exception
        if ($e -is [System.IO.FileNotFoundException] -or $e -is [System.IO.DirectoryNotFoundException]) { return $null }
        throw
    }
}

function Get-WurReparseTag {
    # The reparse tag of $LiteralPath itself (never its target). Windows
    # returns it in WIN32_FIND_DATA.dwReserved0 from FindFirstFileW when the
    # entry has FILE_ATTRIBUTE_REPARSE_POINT ("WIN32_FIND_DATAW",
    # learn.microsoft.com/windows/win32/api/minwinbase/ns-minwinbase-win32_find_dataw).
    # .NET Framework has no API for it: a P/Invoke compiled with Add-Type
    # once per process (the bootstrap runs in FullLanguage only). Off Windows
    # .NET's only reparse point is a symbolic link: IO_REPARSE_TAG_SYMLINK.
    [CmdletBinding()]
    param([string]$LiteralPath)
    if (-not (Test-WurWindows)) { return [int64]2684354572 }  # 0xA000000C
    if ($null -eq ('WurRepair.ReparseTag' -as [type])) {
        Add-Type -TypeDefinition @"
using System;
using System.Runtime.InteropServices;
namespace WurRepair {
    public static class ReparseTag {
        [StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]
        private struct FindData {
            public uint Attributes;
            public System.Runtime.InteropServices.ComTypes.FILETIME Created, Accessed, Written;
            public uint SizeHigh, SizeLow, Reserved0, Reserved1;
            [MarshalAs(UnmanagedType.ByValTStr, SizeConst = 260)] public string Name;
            [MarshalAs(UnmanagedType.ByValTStr, SizeConst = 14)] public string ShortName;
        }
        [DllImport("kernel32.dll", EntryPoint = "FindFirstFileW", CharSet = CharSet.Unicode, SetLastError = true)]
        private static extern IntPtr FindFirstFile(string name, out FindData data);
        [DllImport("kernel32.dll", SetLastError = true)]
        private static extern bool FindClose(IntPtr handle);
        public static long Get(string path) {
            FindData data;
            IntPtr handle = FindFirstFile(path, out data);
            if (handle == new IntPtr(-1)) { throw new System.ComponentModel.Win32Exception(Marshal.GetLastWin32Error()); }
            FindClose(handle);
            if ((data.Attributes & 0x400) == 0) { return 0; }
            return (long)data.Reserved0;
        }
    }
}
"@
    }
    [WurRepair.ReparseTag]::Get((ConvertTo-WurLongPath -LiteralPath $LiteralPath))
}

function Test-WurLink {
    # True when an entry with these attributes is a name surrogate: a
    # junction/mount point (IO_REPARSE_TAG_MOUNT_POINT), a symbolic link
    # (IO_REPARSE_TAG_SYMLINK) or any tag with the name-surrogate bit
    # 0x20000000 ("Reparse Point Tags", learn.microsoft.com/windows/win32/fileio/reparse-point-tags;
    # IsReparseTagNameSurrogate). Those point elsewhere: never followed nor
    # moved. Other reparse points (deduplicated, cloud-files and OneDrive
    # placeholders, WOF-compressed files) are the file itself: treated as
    # files/folders. A tag that cannot be read counts as a link.
    [CmdletBinding()]
    param([string]$LiteralPath, $Attributes)
    $reparse = [System.IO.FileAttributes]::ReparsePoint
    if ($null -eq $Attributes -or ([int]$Attributes -band [int]$reparse) -ne [int]$reparse) { return $false }
    try {
        $tag = [int64](Get-WurReparseTag -LiteralPath $LiteralPath)
    } catch {
        return $true
    }
    ($tag -band [int64]0x20000000) -ne 0
}

function Test-WurReparseChain {
    # True when $Full, or a folder between $Stop and it, is a link
    # (Test-WurLink). Nothing is followed.
    [CmdletBinding()]
    param([string]$Full, [string]$Stop)
    $probe = $Full
    while ($true) {
        $a = Get-WurAttributes -LiteralPath $probe
        if (Test-WurLink -LiteralPath $probe -Attributes $a) { return $true }
        if ((Test-WurSame $probe $Stop) -or -not (Test-WurUnder -Child $probe -Root $Stop)) { return $false }
        $probe = [System.IO.Path]::GetDirectoryName($probe)
    }
}

function Get-WurChildItems {
    # The entries of one folder (hidden and system included), as
    # FileSystemInfo, through the long-path form; a folder that cannot be
    # listed throws. FullName keeps the \\?\ prefix: ConvertFrom-WurLongPath.
    [CmdletBinding()]
    param([string]$LiteralPath)
    , (New-Object System.IO.DirectoryInfo -ArgumentList (ConvertTo-WurLongPath -LiteralPath $LiteralPath)).GetFileSystemInfos()
}

function Move-WurFolder {
    # Renames $From to $To (same parent) with Directory.Move; $null when
    # done, else the WurRenameFailed record to throw: an IOException whose
    # HResult is the Win32 error as an HRESULT. .NET Framework's
    # Directory.Move throws IOException(0x80070005) for ERROR_ACCESS_DENIED
    # and IOException(0x800700xx, from __Error.WinIOError) for the rest.
    [CmdletBinding()]
    param([string]$From, [string]$To)
    try {
        [System.IO.Directory]::Move($From, $To)
        return $null
    } catch {
        $e = Get-WurInnerException -Exception $_.Exception
        $hr = [int]$e.HResult
        $denied = [int]-2147024891  # 0x80070005 E_ACCESSDENIED
        if ($e -is [System.UnauthorizedAccessException]) { $hr = $denied }
        # Off Windows (the test engine only) .NET puts the errno in HResult:
        # EPERM 1 and EACCES 13 are Windows' ERROR_ACCESS_DENIED.
        if (-not (Test-WurWindows) -and ($hr -eq 1 -or $hr -eq 13)) { $hr = $denied }
        $io = New-Object System.IO.IOException -ArgumentList $e.Message, $hr
        return (New-Object System.Management.Automation.ErrorRecord -ArgumentList $io, 'WurRenameFailed', ([System.Management.Automation.ErrorCategory]::WriteError), $From)
    }
}

function Get-WurSystemFolders {
    # Windows, System32, SysWOW64 and the folder that reaches the real
    # System32 from this process (Sysnative from a 32-bit process on 64-bit
    # Windows, which WOW64 redirects from System32 to SysWOW64).
    [CmdletBinding()]
    param()
    $windows = Resolve-WurPath -Candidate (Get-WurKnownFolder -Folder Windows)
    $native = Join-Path -Path $windows -ChildPath 'System32'
    if ([Environment]::Is64BitOperatingSystem -and -not [Environment]::Is64BitProcess) {
        $native = Join-Path -Path $windows -ChildPath 'Sysnative'
    }
    [pscustomobject]@{
        Windows  = $windows
        System32 = (Join-Path -Path $windows -ChildPath 'System32')
        SysWOW64 = (Join-Path -Path $windows -ChildPath 'SysWOW64')
        Native32 = $native
    }
}

function Get-WurFileVersion {
    # Binary file version (FileMajorPart...), not the FileVersion string,
    # which on Windows 10+ often omits the servicing revision.
    [CmdletBinding()]
    param([string]$LiteralPath)
    $info = [System.Diagnostics.FileVersionInfo]::GetVersionInfo($LiteralPath)
    '{0}.{1}.{2}.{3}' -f $info.FileMajorPart, $info.FileMinorPart, $info.FileBuildPart, $info.FilePrivatePart
}

function New-WurDllFile {
    # One DLL copy as the probes report it: Path as Windows names it, looked
    # for at ProbePath (Sysnative for System32 from a 32-bit process).
    [CmdletBinding()]
    param([string]$Name, [string]$Path, [string]$ProbePath, [string]$View)
    $exists = [System.IO.File]::Exists($ProbePath)
    $version = ''
    if ($exists) {
        $version = Get-WurFileVersion -LiteralPath $ProbePath
    }
    [pscustomobject]@{
        Name    = $Name
        Path    = $Path
        Exists  = $exists
        Version = $version
        View    = $View
    }
}

function Set-WurSecurity {
    # Writes the sections of $Security that were set (Windows only):
    # Directory.SetAccessControl on .NET Framework, its extension method on
    # .NET (pwsh 7).
    [CmdletBinding()]
    param([string]$LiteralPath, [System.Security.AccessControl.DirectorySecurity]$Security)
    $long = ConvertTo-WurLongPath -LiteralPath $LiteralPath
    if ($null -ne [System.IO.Directory].GetMethod('SetAccessControl')) {
        [System.IO.Directory]::SetAccessControl($long, $Security)
    } else {
        [System.IO.FileSystemAclExtensions]::SetAccessControl((New-Object System.IO.DirectoryInfo -ArgumentList $long), $Security)
    }
}

function Lock-WurFolder {
    # Windows: makes Administrators the owner of $LiteralPath and gives it a
    # protected DACL (no inherited entries) that grants full control to
    # SYSTEM and Administrators only, inherited by everything below. Then no
    # one else can create, rename or swap an entry inside it, nor (no longer
    # owner) give themselves that right back. Returns $true when locked;
    # $false off Windows (the test engine: no DACLs). ("Access Control
    # Lists", learn.microsoft.com/windows/win32/secauthz/access-control-lists;
    # "SetSecurityInfo": a protected DACL does not inherit.)
    [CmdletBinding()]
    param([string]$LiteralPath)
    if (-not (Test-WurWindows)) { return $false }
    $system = New-Object System.Security.Principal.SecurityIdentifier -ArgumentList 'S-1-5-18'
    $admins = New-Object System.Security.Principal.SecurityIdentifier -ArgumentList 'S-1-5-32-544'
    $security = New-Object System.Security.AccessControl.DirectorySecurity
    $security.SetOwner($admins)
    $security.SetAccessRuleProtection($true, $false)
    $inherit = [System.Security.AccessControl.InheritanceFlags]'ContainerInherit, ObjectInherit'
    foreach ($sid in @($system, $admins)) {
        $rule = New-Object System.Security.AccessControl.FileSystemAccessRule -ArgumentList $sid, ([System.Security.AccessControl.FileSystemRights]::FullControl), $inherit, ([System.Security.AccessControl.PropagationFlags]::None), ([System.Security.AccessControl.AccessControlType]::Allow)
        $security.AddAccessRule($rule)
    }
    Set-WurSecurity -LiteralPath $LiteralPath -Security $security
    $true
}

function Get-WurWin32HResult {
    # The HRESULT an exception stands for: a Win32Exception's
    # NativeErrorCode as HRESULT_FROM_WIN32 (its own HResult is E_FAIL),
    # UnauthorizedAccessException as E_ACCESSDENIED (0x80070005), anything
    # else its HResult. PowerShell's MethodInvocationException wrapper is
    # looked through. Never the message.
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)][System.Exception]$Exception)
    $e = Get-WurInnerException -Exception $Exception
    if ($e -is [System.ComponentModel.Win32Exception]) {
        $code = [int]$e.NativeErrorCode
        if ($code -gt 0 -and $code -le 0xFFFF) { return [int](-2147024896 -bor $code) }  # 0x80070000 | code
        return [int]$code
    }
    if ($e -is [System.UnauthorizedAccessException]) { return [int]-2147024891 }  # 0x80070005
    [int]$e.HResult
}

function ConvertTo-WurExplicitDacl {
    # The part of a DACL (SDDL "D:...", as Get-WurFolderDacl gives it) that
    # a folder carries itself: "D:" + "P" when it is protected (it inherits
    # nothing), then its explicit ACEs in their order. Inherited ACEs (flag
    # ID) are left out: Windows puts the parent's inheritable ACEs into a
    # new folder's DACL unless it is protected ("DACL for a New Object",
    # learn.microsoft.com/windows/win32/secauthz/dacl-for-a-new-object).
    # Plain text, so it runs off Windows too. A DACL it cannot read ACE by
    # ACE (a conditional ACE holds parentheses) throws: never half a copy.
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)][string]$Sddl)
    $m = [regex]::Match($Sddl, '^D:([A-Z_]*)((?:\([^()]*\))*)$')
    if (-not $m.Success) {
        throw (New-Object System.ArgumentException -ArgumentList ('Not a DACL this library copies: {0}' -f $Sddl))
    }
    $flags = $m.Groups[1].Value
    $out = 'D:'
    if ($flags -eq 'NO_ACCESS_CONTROL') { return 'D:NO_ACCESS_CONTROL' }
    # P = SE_DACL_PROTECTED; AI/AR (auto-inherit) are Windows' bookkeeping.
    if ($flags.Replace('AI', '').Replace('AR', '').Contains('P')) { $out += 'P' }
    foreach ($ace in [regex]::Matches($m.Groups[2].Value, '\(([^()]*)\)')) {
        $fields = $ace.Groups[1].Value.Split(';')
        # ace_type;ace_flags;rights;object_guid;inherit_object_guid;account_sid
        if ($fields.Count -lt 6) {
            throw (New-Object System.ArgumentException -ArgumentList ('Not an ACE: {0}' -f $ace.Value))
        }
        if (-not [regex]::IsMatch($fields[1], '^(?:[A-Z]{2})*$')) {
            throw (New-Object System.ArgumentException -ArgumentList ('Not ACE flags: {0}' -f $ace.Value))
        }
        $inherited = $false
        for ($i = 0; $i -lt $fields[1].Length; $i += 2) {
            if ($fields[1].Substring($i, 2) -ceq 'ID') { $inherited = $true }
        }
        if (-not $inherited) { $out += $ace.Value }
    }
    $out
}

function Get-WurFolderDacl {
    # The DACL of the folder $LiteralPath, as SDDL ("D:PAI(A;OICI;FA;;;SY)..."),
    # read through one handle opened on the folder itself: CreateFileW with
    # FILE_FLAG_OPEN_REPARSE_POINT (a link is opened as the link, never
    # followed) and FILE_FLAG_BACKUP_SEMANTICS (needed for a folder), asking
    # for READ_CONTROL only; the handle must be a folder and not a reparse
    # point (GetFileInformationByHandle), then GetSecurityInfo reads the
    # DACL from that same handle ("CreateFileW",
    # learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-createfilew;
    # "GetSecurityInfo",
    # learn.microsoft.com/windows/win32/api/aclapi/nf-aclapi-getsecurityinfo).
    # Owner, group and SACL are not read (the SACL needs SeSecurityPrivilege).
    # A failure throws a Win32Exception: NativeErrorCode 5 access denied,
    # 267 (ERROR_DIRECTORY) not a folder, 4395 (ERROR_REPARSE_POINT_ENCOUNTERED)
    # a reparse point. Off Windows there are no DACLs: an error (the test
    # engines replace this function, tests/realps/doubles/Security.ps1).
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)][string]$LiteralPath)
    if (-not (Test-WurWindows)) {
        throw (New-Object System.PlatformNotSupportedException -ArgumentList 'There are no DACLs on this platform.')
    }
    if ($null -eq ('WurRepair.FolderDacl' -as [type])) {
        Add-Type -TypeDefinition @"
using System;
using System.ComponentModel;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
namespace WurRepair {
    public static class FolderDacl {
        [StructLayout(LayoutKind.Sequential)]
        private struct FileInfo {
            public uint Attributes;
            public System.Runtime.InteropServices.ComTypes.FILETIME Created, Accessed, Written;
            public uint Volume, SizeHigh, SizeLow, Links, IndexHigh, IndexLow;
        }
        [DllImport("kernel32.dll", EntryPoint = "CreateFileW", CharSet = CharSet.Unicode, SetLastError = true)]
        private static extern SafeFileHandle CreateFile(string name, uint access, uint share, IntPtr security, uint disposition, uint flags, IntPtr template);
        [DllImport("kernel32.dll", SetLastError = true)]
        private static extern bool GetFileInformationByHandle(SafeFileHandle handle, out FileInfo info);
        [DllImport("advapi32.dll")]
        private static extern uint GetSecurityInfo(SafeFileHandle handle, int type, uint info, IntPtr owner, IntPtr group, IntPtr dacl, IntPtr sacl, out IntPtr descriptor);
        [DllImport("advapi32.dll")]
        private static extern uint GetSecurityDescriptorLength(IntPtr descriptor);
        [DllImport("kernel32.dll")]
        private static extern IntPtr LocalFree(IntPtr mem);
        public static byte[] Read(string path) {
            // READ_CONTROL | FILE_READ_ATTRIBUTES; share read, write, delete;
            // OPEN_EXISTING; FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT.
            using (SafeFileHandle h = CreateFile(path, 0x00020080, 7, IntPtr.Zero, 3, 0x02200000, IntPtr.Zero)) {
                if (h.IsInvalid) { throw new Win32Exception(Marshal.GetLastWin32Error()); }
                FileInfo info;
                if (!GetFileInformationByHandle(h, out info)) { throw new Win32Exception(Marshal.GetLastWin32Error()); }
                if ((info.Attributes & 0x400) != 0) { throw new Win32Exception(4395); }
                if ((info.Attributes & 0x10) == 0) { throw new Win32Exception(267); }
                IntPtr sd;
                // SE_FILE_OBJECT, DACL_SECURITY_INFORMATION
                uint rc = GetSecurityInfo(h, 1, 4, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero, out sd);
                if (rc != 0) { throw new Win32Exception((int)rc); }
                try {
                    byte[] bytes = new byte[GetSecurityDescriptorLength(sd)];
                    Marshal.Copy(sd, bytes, 0, bytes.Length);
                    return bytes;
                } finally {
                    LocalFree(sd);
                }
            }
        }
    }
}
"@
    }
    $bytes = [WurRepair.FolderDacl]::Read((ConvertTo-WurLongPath -LiteralPath $LiteralPath))
    $raw = New-Object System.Security.AccessControl.RawSecurityDescriptor -ArgumentList $bytes, 0
    $raw.GetSddlForm([System.Security.AccessControl.AccessControlSections]::Access)
}

function New-WurFolderWithDacl {
    # Creates the folder $LiteralPath with the DACL $Sddl (ConvertTo-WurExplicitDacl's
    # form) in the same call, so it never exists without it: on .NET
    # Framework (Windows PowerShell 5.1) Directory.CreateDirectory(String,
    # DirectorySecurity), on .NET (pwsh 7) FileSystemAclExtensions.Create(DirectoryInfo,
    # DirectorySecurity) ("Directory.CreateDirectory Method",
    # learn.microsoft.com/dotnet/api/system.io.directory.createdirectory;
    # "FileSystemAclExtensions.Create",
    # learn.microsoft.com/dotnet/api/system.io.filesystemaclextensions.create).
    # Windows then adds the parent's inheritable ACEs unless the DACL is
    # protected. No owner is given: setting one other than the caller's
    # needs SeRestorePrivilege enabled; the owner is the caller's default
    # (Administrators or SYSTEM). Both APIs do nothing when the folder
    # already exists: the caller checks before and reads the DACL back.
    # Off Windows: an error (the test engines replace this function).
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)][string]$LiteralPath, [Parameter(Mandatory = $true)][string]$Sddl)
    if (-not (Test-WurWindows)) {
        throw (New-Object System.PlatformNotSupportedException -ArgumentList 'There are no DACLs on this platform.')
    }
    $security = New-Object System.Security.AccessControl.DirectorySecurity
    $security.SetSecurityDescriptorSddlForm($Sddl, [System.Security.AccessControl.AccessControlSections]::Access)
    $long = ConvertTo-WurLongPath -LiteralPath $LiteralPath
    if ($null -ne [System.IO.Directory].GetMethod('CreateDirectory', [type[]]@([string], [System.Security.AccessControl.DirectorySecurity]))) {
        $null = [System.IO.Directory]::CreateDirectory($long, $security)
    } else {
        [System.IO.FileSystemAclExtensions]::Create((New-Object System.IO.DirectoryInfo -ArgumentList $long), $security)
    }
}

function Close-WurComObject {
    # Releases a COM object now rather than at some later garbage
    # collection (the runspace is reused). Anything else is left alone.
    [CmdletBinding()]
    param([AllowNull()]$Object)
    if ($null -ne $Object -and [System.Runtime.InteropServices.Marshal]::IsComObject($Object)) {
        [void][System.Runtime.InteropServices.Marshal]::FinalReleaseComObject($Object)
    }
}

function Get-WurServiceCim {
    # Win32_Service instances of the named services only, asked by name (a
    # WQL filter: WMI never enumerates every service to give a few), bounded
    # in time. Returns one object: Rows (the instances WMI gave, with the
    # asked Property) and HResult (0 when WMI answered, else the innermost
    # exception's HRESULT; 0x800705B4 when it did not answer in time). A
    # hung or broken WMI is data: the callers go on with the SCM's data.
    #
    # A name is data, never WQL: each must be a service name as the SCM
    # allows it (1 to 256 characters, no / or \: CreateService,
    # https://learn.microsoft.com/windows/win32/api/winsvc/nf-winsvc-createservicew;
    # no control character), else WurServiceNameRefused; it is then put in
    # a WQL string literal with \ and ' escaped by \ (WQL string literals,
    # https://learn.microsoft.com/windows/win32/wmisdk/wql-sql-for-wmi; the
    # WHERE clause, https://learn.microsoft.com/windows/win32/wmisdk/where-clause).
    #
    # Bounded: -OperationTimeoutSec (Get-CimInstance,
    # https://learn.microsoft.com/powershell/module/cimcmdlets/get-ciminstance),
    # and the cmdlet runs in a runspace of its own waited for at most
    # $WaitMs: a hung winmgmt, or an MI type initializer that never returns
    # (seen under Wine), blocks its thread in a call neither
    # -OperationTimeoutSec nor PowerShell's Stop() can interrupt. Such a
    # query is abandoned (never disposed: that would wait for it) and
    # recorded in the process (AppDomain data): every later query of this
    # PowerShell, from any script, answers 0x800705B4 at once instead of
    # starting another one behind it. A Get-CimInstance that is not the
    # cmdlet (a test double, a function) runs in the caller's runspace.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)][AllowEmptyCollection()][AllowEmptyString()][string[]]$Name,
        [Parameter(Mandatory = $true)][string[]]$Property,
        [ValidateRange(1, 60000)][int]$WaitMs = 15000,
        [ValidateRange(1, 60)][int]$OperationTimeoutSec = 10
    )
    $timeout = [int64]0x800705B4 # HRESULT_FROM_WIN32(ERROR_TIMEOUT)
    $pendingKey = 'wurepair.WmiQueryPending'
    $clauses = New-Object System.Collections.Generic.List[string]
    foreach ($n in $Name) {
        if ([string]::IsNullOrEmpty($n) -or $n.Length -gt 256 -or $n -match '[\\/\x00-\x1F\x7F]') {
            throw (New-WurError -Id 'WurServiceNameRefused' -Message ('Not a service name: {0}' -f $n) -Target $n)
        }
        $literal = "Name='" + $n.Replace('\', '\\').Replace("'", "\'") + "'"
        if (-not $clauses.Contains($literal)) { $clauses.Add($literal) }
    }
    $rows = @()
    $hresult = [int64]0
    if ($clauses.Count -gt 0) {
        $cimParams = @{
            ClassName           = 'Win32_Service'
            Filter              = [string]::Join(' OR ', $clauses.ToArray())
            Property            = $Property
            OperationTimeoutSec = $OperationTimeoutSec
            ErrorAction         = 'Stop'
        }
        $cim = $ExecutionContext.InvokeCommand.GetCommand('Get-CimInstance', [System.Management.Automation.CommandTypes]::All)
        $pending = [AppDomain]::CurrentDomain.GetData($pendingKey)
        try {
            if ($null -ne $pending -and -not $pending.IsCompleted) {
                # An earlier query of this process is still blocked in WMI.
                $hresult = $timeout
            } elseif ($cim -is [System.Management.Automation.CmdletInfo]) {
                $iss = [System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault2()
                $worker = [PowerShell]::Create()
                $worker.Runspace = [RunspaceFactory]::CreateRunspace($iss)
                $worker.Runspace.Open()
                [void]$worker.AddCommand('Get-CimInstance').AddParameters($cimParams)
                $async = $worker.BeginInvoke()
                if ($async.AsyncWaitHandle.WaitOne($WaitMs)) {
                    try {
                        $rows = @($worker.EndInvoke($async))
                    } finally {
                        $worker.Runspace.Dispose()
                        $worker.Dispose()
                    }
                } else {
                    [AppDomain]::CurrentDomain.SetData($pendingKey, $async)
                    [void]$worker.BeginStop($null, $null)
                    $hresult = $timeout
                }
            } elseif ($null -ne $cim) {
                $rows = @(& $cim @cimParams)
            } else {
                throw (New-Object System.Management.Automation.CommandNotFoundException -ArgumentList 'Get-CimInstance is not available')
            }
        } catch {
            $rows = @()
            $hresult = [int64](Get-WurInnerException -Exception $_.Exception).HResult
            if ($hresult -eq 0) { $hresult = [int64]0x80004005 }
        }
    }
    [pscustomobject]@{ Rows = [object[]]$rows; HResult = $hresult }
}
