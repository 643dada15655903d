<#
    Doubles of the registry as the scripts read it through the provider
    (Test-Path, Get-ItemProperty, Set-ItemProperty on HKLM:\ paths).
    Off Windows there is no HKLM: drive: one is mounted on an empty test
    folder so that Join-Path works on HKLM:\ paths as on Windows (it
    normalises the separators to '/'); the values come from the machine.
    Other paths go to the real cmdlets.

    Simulated keys: HKLM:\SYSTEM\CurrentControlSet\Services\<name> with
    Start (DWORD: 0 Boot, 1 System, 2 Automatic, 3 Manual, 4 Disabled),
    DelayedAutostart (DWORD, present only when set) and DependOnService
    (REG_MULTI_SZ as string[], present only when not empty).
#>
Set-StrictMode -Version Latest

if ($null -eq (Microsoft.PowerShell.Management\Get-PSDrive -Name HKLM -ErrorAction SilentlyContinue)) {
    $hklmRoot = Join-Path -Path ([System.IO.Path]::GetDirectoryName($global:WurDoubleState)) -ChildPath 'HKLM'
    [void][System.IO.Directory]::CreateDirectory($hklmRoot)
    # -WhatIf:$false: the prelude runs under the request's $WhatIfPreference (a dry run).
    $null = Microsoft.PowerShell.Management\New-PSDrive -Name HKLM -PSProvider FileSystem -Root $hklmRoot -Scope Global -WhatIf:$false
}

$global:WurStartValues = @{ 'Boot' = 0; 'System' = 1; 'Automatic' = 2; 'Manual' = 3; 'Disabled' = 4 }

function Get-WurDoubleRegistryService {
    # The service a HKLM:\SYSTEM\CurrentControlSet\Services\<name> path
    # names (canonical), or $null; $false when the path is not one.
    param([string]$Path)
    $p = $Path.Replace('/', '\')
    $m = [regex]::Match($p, '^HKLM:\\SYSTEM\\CurrentControlSet\\Services\\([^\\]+)\\?$', 'IgnoreCase')
    if (-not $m.Success) { return $false }
    Get-WurDoubleServiceName -State (Get-WurDoubleMachine) -Name $m.Groups[1].Value
}

function Test-WurDoubleRegistryPath {
    param([string]$Path)
    $Path -match '^HKLM:'
}

function Test-Path {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Path, [string[]]$LiteralPath, [Microsoft.PowerShell.Commands.TestPathType]$PathType = 'Any')
    $one = @($Path) + @($LiteralPath) | Where-Object { $null -ne $_ } | Select-Object -First 1
    if ($null -ne $one -and (Test-WurDoubleRegistryPath $one)) {
        $svc = Get-WurDoubleRegistryService -Path $one
        if ($svc -is [bool]) { throw "double: registry key $one is not simulated" }
        return ($null -ne $svc)
    }
    Microsoft.PowerShell.Management\Test-Path @PSBoundParameters
}

function Get-ItemProperty {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Path, [string[]]$LiteralPath, [Parameter(Position = 1)][string[]]$Name)
    $one = @($Path) + @($LiteralPath) | Where-Object { $null -ne $_ } | Select-Object -First 1
    if ($null -eq $one -or -not (Test-WurDoubleRegistryPath $one)) {
        return (Microsoft.PowerShell.Management\Get-ItemProperty @PSBoundParameters)
    }
    # sc.exe config changes the SCM, which writes the registry: apply it first.
    if (Get-Command -Name Update-WurDoubleScCalls -ErrorAction SilentlyContinue) { Update-WurDoubleScCalls }
    $name = Get-WurDoubleRegistryService -Path $one
    if ($name -is [bool]) { throw "double: registry key $one is not simulated" }
    if ($null -eq $name) {
        $ex = New-Object System.Management.Automation.ItemNotFoundException -ArgumentList ("Cannot find path '{0}' because it does not exist." -f $one)
        throw (New-Object System.Management.Automation.ErrorRecord -ArgumentList $ex, 'PathNotFound,Microsoft.PowerShell.Commands.GetItemPropertyCommand', ([System.Management.Automation.ErrorCategory]::ObjectNotFound), $one)
    }
    $svc = (Get-WurDoubleMachine).machine.services.$name
    $o = [ordered]@{ Start = [int]$global:WurStartValues[[string]$svc.startType] }
    if ([bool](Get-WurDoubleServiceField $svc 'delayedAutoStart' $false)) { $o['DelayedAutostart'] = [int]1 }
    $deps = @(Get-WurDoubleServiceField $svc 'dependsOn' @())
    if ($deps.Count -gt 0) { $o['DependOnService'] = [string[]]$deps }
    $o['PSPath'] = 'Microsoft.PowerShell.Core\Registry::HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\' + $name
    $o['PSParentPath'] = 'Microsoft.PowerShell.Core\Registry::HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services'
    $o['PSChildName'] = $name
    $o['PSProvider'] = 'Microsoft.PowerShell.Core\Registry'
    [pscustomobject]$o
}

function Set-ItemProperty {
    [CmdletBinding()]
    param([Parameter(Position = 0)][string[]]$Path, [string[]]$LiteralPath, [Parameter(Position = 1)][string]$Name, [Parameter(Position = 2)]$Value, [string]$Type)
    $one = @($Path) + @($LiteralPath) | Where-Object { $null -ne $_ } | Select-Object -First 1
    if ($null -eq $one -or -not (Test-WurDoubleRegistryPath $one)) {
        return (Microsoft.PowerShell.Management\Set-ItemProperty @PSBoundParameters)
    }
    # A service's key: the Service Control Manager reads it only at boot, so
    # a write there would change nothing the SCM reports until a reboot, and
    # reading it back would prove nothing (issue 9 item 17). The scripts go
    # through the SCM (sc.exe config): a write here is a bug.
    throw "double: Set-ItemProperty $one $Name writes a service key the SCM reads only at boot: change services through the SCM (sc.exe config)"
}
