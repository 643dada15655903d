<#
    Doubles of the safety library's two DACL helpers (off Windows .NET has
    no ACL API: every System.Security.AccessControl type throws
    PlatformNotSupportedException). The folders are real (under the root);
    their DACLs live in the machine state, as the fake host keeps them:
    machine.files[<Windows path>].security, SDDL as Windows reports it
    (tests/fakehost/security.go). The script's own logic (what it copies,
    what it compares, what it reports) runs for real.

    Shapes are the real ones: Get-WurFolderDacl returns the DACL's SDDL
    (RawSecurityDescriptor.GetSddlForm(Access)) and throws a Win32Exception
    (267 ERROR_DIRECTORY) for what is not a folder; New-WurFolderWithDacl
    creates the folder, or fails as .NET does: UnauthorizedAccessException
    for access denied, an IOException carrying the HRESULT otherwise
    (machine.faults.securityFails, the fake host's knob).
#>
Set-StrictMode -Version Latest

function Get-WurDoubleFileEntry {
    # The machine's entry for a Windows path (case-insensitive), or $null.
    param($State, [string]$WindowsPath)
    $files = $State.machine.PSObject.Properties['files']
    if ($null -eq $files -or $null -eq $files.Value) { return $null }
    foreach ($p in $files.Value.PSObject.Properties) {
        if ([string]::Equals($p.Name, $WindowsPath, [StringComparison]::OrdinalIgnoreCase)) { return $p }
    }
    $null
}

function Get-WurFolderDacl {
    # Replaces the safety library's Get-WurFolderDacl.
    param([string]$LiteralPath)
    if (-not [System.IO.Directory]::Exists($LiteralPath)) {
        throw (New-Object System.ComponentModel.Win32Exception -ArgumentList 267)
    }
    $state = Get-WurDoubleMachine
    $entry = Get-WurDoubleFileEntry -State $state -WindowsPath (ConvertFrom-WurDoublePath -Path $LiteralPath)
    if ($null -ne $entry -and $null -ne $entry.Value.PSObject.Properties['security'] -and [string]$entry.Value.security -ne '') {
        return [string]$entry.Value.security
    }
    # Not modelled: inherited ACEs only (none modelled), as the fake.
    'D:AI'
}

function New-WurFolderWithDacl {
    # Replaces the safety library's New-WurFolderWithDacl.
    param([string]$LiteralPath, [string]$Sddl)
    $state = Get-WurDoubleMachine
    $win = ConvertFrom-WurDoublePath -Path $LiteralPath
    $faults = $state.machine.PSObject.Properties['faults']
    if ($null -ne $faults -and $null -ne $faults.Value -and $null -ne $faults.Value.PSObject.Properties['securityFails']) {
        foreach ($p in $faults.Value.securityFails.PSObject.Properties) {
            if (-not [string]::Equals($p.Name, $win, [StringComparison]::OrdinalIgnoreCase)) { continue }
            $hr = [BitConverter]::ToInt32([BitConverter]::GetBytes([Convert]::ToInt64(([string]$p.Value).Substring(2), 16)), 0)
            if ($hr -eq -2147024891) {
                throw (New-Object System.UnauthorizedAccessException -ArgumentList ("Access to the path '{0}' is denied." -f $LiteralPath))
            }
            throw (New-Object System.IO.IOException -ArgumentList ('Exception from HRESULT: 0x{0:X8}' -f $hr), $hr)
        }
    }
    $null = [System.IO.Directory]::CreateDirectory($LiteralPath)
    $entry = Get-WurDoubleFileEntry -State $state -WindowsPath $win
    if ($null -eq $entry) {
        if ($null -eq $state.machine.PSObject.Properties['files'] -or $null -eq $state.machine.files) {
            $state.machine | Add-Member -NotePropertyName 'files' -NotePropertyValue ([pscustomobject]@{}) -Force
        }
        $state.machine.files | Add-Member -NotePropertyName $win -NotePropertyValue ([pscustomobject]@{ kind = 'dir' })
        $entry = Get-WurDoubleFileEntry -State $state -WindowsPath $win
    }
    # The explicit ACEs given; Windows would add the parent's inheritable
    # ones (not modelled here: only the explicit part is ever compared).
    $entry.Value | Add-Member -NotePropertyName 'security' -NotePropertyValue $Sddl -Force
    Save-WurDoubleMachine -State $state
}
