<#
.SYNOPSIS
    Shared helpers for the wurepair Pester suite (dot-sourced in BeforeAll).
.DESCRIPTION
    Runs the embedded scripts straight from scripts/ (& $file @params) and
    checks each result against the contract: exactly one object, the
    manifest's result fields (no more, no fewer, same spelling), each of the
    manifest's type, arrays that stay arrays through the same ConvertTo-Json
    call the session bootstrap uses, and nested items that carry exactly the
    fields of their Go type. $WurNested mirrors scripts/types.go: keep it in
    step with that file.

    Dot-source it in a BeforeAll block: its variables then live in that
    block's scope, which every It below it can see.
#>
[CmdletBinding()]
param()
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$WurRepoRoot = (Resolve-Path -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath '..\..')).Path
$WurScriptsDir = Join-Path -Path $WurRepoRoot -ChildPath 'scripts'
# The safety library, as the bootstrap loads it into every request runspace:
# the scripts call its helpers. A suite replaces one (Get-WurKnownFolder off
# Windows) by defining a function of the same name after this file.
foreach ($lib in @(Get-ChildItem -LiteralPath (Join-Path -Path $WurScriptsDir -ChildPath 'lib') -Filter '*.ps1' | Sort-Object -Property Name)) {
    . $lib.FullName
}
$WurManifest = Get-Content -LiteralPath (Join-Path -Path $WurScriptsDir -ChildPath 'manifest.json') -Raw | ConvertFrom-Json

# The bootstrap removes this so that Windows PowerShell 5.1 serializes
# PSObject-wrapped arrays as JSON arrays, not {value, Count}: do the same.
Remove-TypeData -TypeName 'System.Array' -ErrorAction SilentlyContinue

# Nested item shapes, field -> manifest-style type, from scripts/types.go.
$WurDllFile = [ordered]@{ Name = 'string'; Path = 'string'; Exists = 'bool'; Version = 'string'; View = 'string' }
$WurNested = @{
    'Get-WurServiceState.Services'           = [ordered]@{
        Name = 'string'; Exists = 'bool'; Status = 'string'; StartType = 'string'; DelayedAutoStart = 'bool'
        ProcessId = 'int'; DependentServices = 'string[]'; ServicesDependedOn = 'string[]'
    }
    'Get-WurWups2Registration.Files'         = $WurDllFile
    'Get-WurWups2Registration.Registrations' = [ordered]@{ Clsid = 'string'; View = 'string'; Server = 'string' }
    'Get-WurDllPresence.Files'               = $WurDllFile
    'Get-WurSoftwareDistribution.Folders'    = [ordered]@{
        Name = 'string'; Path = 'string'; Exists = 'bool'; IsReparsePoint = 'bool'
        Files = 'int64'; Bytes = 'int64'; ReparsePoints = 'string[]'; Unreadable = 'string[]'
    }
    'Get-WurSoftwareDistribution.Backups'    = [ordered]@{ Path = 'string'; Original = 'string'; RunId = 'string'; Created = 'string'; Bytes = 'int64' }
    'Get-WurUpdateErrors.Events'             = [ordered]@{ TimeCreated = 'string'; EventId = 'int'; HResult = 'string'; KB = 'string'; UpdateId = 'string' }
    'Get-WurUpdateHistory.Entries'           = [ordered]@{
        Date = 'string'; Title = 'string'; Operation = 'int'; ResultCode = 'int'; HResult = 'int64'
        UpdateId = 'string'; RevisionNumber = 'int'; ClientApplicationId = 'string'
    }
}

function Get-WurManifestEntry {
    param([Parameter(Mandatory = $true)][string]$Name)
    $entry = @($WurManifest.scripts | Where-Object { $_.name -ceq $Name })
    if ($entry.Count -ne 1) { throw ('manifest has {0} entries named {1}' -f $entry.Count, $Name) }
    $entry[0]
}

function Get-WurScriptPath {
    param([Parameter(Mandatory = $true)][string]$Name)
    Join-Path -Path $WurScriptsDir -ChildPath (Get-WurManifestEntry -Name $Name).file
}

function Invoke-WurTestScript {
    # Runs one script file as wurepair would (named parameters only) and
    # returns its single result object; more or fewer objects is a failure.
    # -CheckMode passes -WhatIf to the script (wurepair's checkMode sets
    # $WhatIfPreference instead; both reach $PSCmdlet.ShouldProcess).
    param(
        [Parameter(Mandatory = $true)][string]$Name,
        [hashtable]$Parameters = @{},
        [switch]$CheckMode
    )
    $splat = @{}
    foreach ($k in $Parameters.Keys) { $splat[$k] = $Parameters[$k] }
    if ($CheckMode) { $splat['WhatIf'] = $true }
    $path = Get-WurScriptPath -Name $Name
    $out = @(& $path @splat)
    if ($out.Count -ne 1) {
        throw ('{0} returned {1} objects; a script must return exactly one' -f $Name, $out.Count)
    }
    $out[0]
}

function Test-WurType {
    # Whether $Value is of the manifest type $Type as the script produced it.
    param($Value, [string]$Type)
    switch ($Type) {
        'string' { return ($Value -is [string]) }
        'bool' { return ($Value -is [bool]) }
        'int' { return ($Value -is [int]) }
        'int64' { return ($Value -is [long]) }
        'string[]' { return ($Value -is [array]) -and (@($Value | Where-Object { $_ -isnot [string] }).Count -eq 0) }
        'object[]' { return ($Value -is [array]) }
    }
    throw ('unknown manifest type {0}' -f $Type)
}

function Compare-WurFields {
    # Problems (strings) when $Object's property names/types differ from $Fields (ordered name -> type).
    param($Object, $Fields, [string]$Where)
    $problems = New-Object System.Collections.Generic.List[string]
    $actual = @($Object.PSObject.Properties | ForEach-Object { $_.Name })
    foreach ($name in $Fields.Keys) {
        if ($actual -cnotcontains $name) {
            $problems.Add(('{0}: missing field {1}' -f $Where, $name))
            continue
        }
        $value = $Object.PSObject.Properties[$name].Value
        if (-not (Test-WurType -Value $value -Type $Fields[$name])) {
            $typeName = '$null'
            if ($null -ne $value) { $typeName = $value.GetType().FullName }
            $problems.Add(('{0}.{1}: want {2}, got {3}' -f $Where, $name, $Fields[$name], $typeName))
        }
    }
    foreach ($name in $actual) {
        if (@($Fields.Keys) -cnotcontains $name) { $problems.Add(('{0}: unexpected field {1}' -f $Where, $name)) }
    }
    $problems.ToArray()
}

function Assert-WurShape {
    # Throws (failing the test) with every difference from the contract.
    param([Parameter(Mandatory = $true)]$Result, [Parameter(Mandatory = $true)][string]$Script)
    $entry = Get-WurManifestEntry -Name $Script
    $fields = [ordered]@{}
    foreach ($f in $entry.result) { $fields[$f.name] = $f.type }
    $problems = New-Object System.Collections.Generic.List[string]
    foreach ($p in @(Compare-WurFields -Object $Result -Fields $fields -Where $Script)) { $problems.Add($p) }

    # Through the bootstrap's serializer: arrays must stay arrays, even empty
    # or with one element, and nested items keep their exact field names.
    $json = ConvertTo-Json -InputObject $Result -Depth 20 -Compress
    $back = ConvertFrom-Json -InputObject $json
    foreach ($f in $entry.result) {
        if ($f.type.EndsWith('[]') -and $null -ne $back.PSObject.Properties[$f.name]) {
            $v = $back.PSObject.Properties[$f.name].Value
            if ($v -isnot [array]) { $problems.Add(('{0}.{1}: not a JSON array in {2}' -f $Script, $f.name, $json)) }
        }
        $key = $Script + '.' + $f.name
        if ($f.type -eq 'object[]' -and $WurNested.ContainsKey($key) -and $null -ne $Result.PSObject.Properties[$f.name]) {
            $i = 0
            foreach ($item in @($Result.PSObject.Properties[$f.name].Value)) {
                foreach ($p in @(Compare-WurFields -Object $item -Fields $WurNested[$key] -Where ('{0}[{1}]' -f $key, $i))) { $problems.Add($p) }
                $i++
            }
            $i = 0
            foreach ($item in @($back.PSObject.Properties[$f.name].Value)) {
                foreach ($nf in $WurNested[$key].Keys) {
                    $prop = $item.PSObject.Properties[$nf]
                    if ($WurNested[$key][$nf].EndsWith('[]') -and $null -ne $prop -and $prop.Value -isnot [array]) {
                        $problems.Add(('{0}[{1}].{2}: not a JSON array' -f $key, $i, $nf))
                    }
                }
                $i++
            }
        } elseif ($f.type -eq 'object[]' -and -not $WurNested.ContainsKey($key)) {
            $problems.Add(('{0}: no nested shape in WurTestHelpers.ps1 $WurNested' -f $key))
        }
    }
    if ($problems.Count -gt 0) {
        throw ("result does not match the contract:`n  " + ($problems -join "`n  "))
    }
}

function Test-WurIsoDate {
    # An ISO 8601 round-trip date ('o'), as every script writes them.
    param([string]$Text)
    $parsed = [DateTime]::MinValue
    [DateTime]::TryParseExact($Text, 'o', [Globalization.CultureInfo]::InvariantCulture, [Globalization.DateTimeStyles]::RoundtripKind, [ref]$parsed)
}

function Test-WurIsAdmin {
    $identity = [Security.Principal.WindowsIdentity]::GetCurrent()
    (New-Object Security.Principal.WindowsPrincipal -ArgumentList $identity).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
}

function Remove-WurTestTree {
    # Test cleanup for folders this suite created: links are removed as links
    # (never entered), everything else recursively.
    param([string]$LiteralPath)
    if (-not [IO.Directory]::Exists($LiteralPath)) { return }
    foreach ($entry in (New-Object IO.DirectoryInfo -ArgumentList $LiteralPath).GetFileSystemInfos()) {
        if (($entry.Attributes -band [IO.FileAttributes]::ReparsePoint) -ne 0) {
            if ($entry -is [IO.DirectoryInfo]) { [IO.Directory]::Delete($entry.FullName, $false) } else { [IO.File]::Delete($entry.FullName) }
        } elseif ($entry -is [IO.DirectoryInfo]) {
            Remove-WurTestTree -LiteralPath $entry.FullName
        } else {
            $entry.Attributes = [IO.FileAttributes]::Normal
            $entry.Delete()
        }
    }
    [IO.Directory]::Delete($LiteralPath, $false)
}

function Remove-WurTestLink {
    # Removes a junction itself (RemoveDirectory), never its target's content.
    param([string]$LiteralPath)
    if ([IO.Directory]::Exists($LiteralPath)) { [IO.Directory]::Delete($LiteralPath, $false) }
}
