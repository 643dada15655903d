<#
    The machine the doubles simulate, shared by every double: the test
    sets $global:WurDoubleRoot (the folder standing for C:\) and
    $global:WurDoubleState (a JSON file: {host: HostProfile, machine:
    MachineState}, the same machine tests/fakehost simulates, see
    tests/fakehost/state.go). Doubles read it on each call and write it
    back after a change, so the state outlives the runspace reset between
    requests. Real files and folders are real (under the root), never here.
#>
Set-StrictMode -Version Latest

function Get-WurKnownFolder {
    # Replaces the safety library's Get-WurKnownFolder (scripts/lib: the
    # bootstrap ran it before this prelude, so this definition wins): the
    # Windows folder and ProgramData of the test machine.
    param([string]$Folder)  # a System.Environment+SpecialFolder name
    switch ($Folder) {
        'Windows' { return (Join-Path -Path $global:WurDoubleRoot -ChildPath 'Windows') }
        'CommonApplicationData' { return (Join-Path -Path $global:WurDoubleRoot -ChildPath 'ProgramData') }
    }
    throw [System.ArgumentException]::new("no test known folder $Folder")
}

# Read once per request (the prelude runs again before the next one, and
# resets these); doubles change the object they got and save it.
$global:WurDoubleCache = $null
$global:WurDoubleDependents = @{}

function Get-WurDoubleMachine {
    # -DateKind String: pwsh's ConvertFrom-Json would turn ISO strings
    # into DateTime; the machine's times stay strings.
    if ($null -eq $global:WurDoubleCache) {
        $text = [System.IO.File]::ReadAllText($global:WurDoubleState)
        $global:WurDoubleCache = ConvertFrom-Json -InputObject $text -DateKind String
    }
    $global:WurDoubleCache
}

function Save-WurDoubleMachine {
    param([Parameter(Mandatory = $true)]$State)
    $global:WurDoubleCache = $State
    [System.IO.File]::WriteAllText($global:WurDoubleState, (ConvertTo-Json -InputObject $State -Depth 20))
}

function ConvertTo-WurDoublePath {
    # C:\A\B (the machine's spelling) -> the real path under the root.
    param([string]$WindowsPath)
    if ($WindowsPath -notmatch '^[Cc]:\\') { return $WindowsPath }
    $rest = $WindowsPath.Substring(3).Replace('\', '/')
    [System.IO.Path]::Combine($global:WurDoubleRoot, $rest)
}

function ConvertFrom-WurDoublePath {
    # A real path under the root -> C:\... (case as given).
    param([string]$Path)
    $root = $global:WurDoubleRoot.TrimEnd('/')
    if ($Path -eq $root) { return 'C:\' }
    if (-not $Path.StartsWith($root + '/')) { return $Path }
    'C:\' + $Path.Substring($root.Length + 1).Replace('/', '\')
}

