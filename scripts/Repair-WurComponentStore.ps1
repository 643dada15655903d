<#
.SYNOPSIS
    Repairs the component store (Repair-WindowsImage -Online -RestoreHealth).
.DESCRIPTION
    Changes: the component store (WinSxS), from Windows Update or from
    -Source (e.g. "wim:D:\sources\install.wim:1" or a mounted image's
    Windows folder), never from Windows Update with -LimitAccess. Runs with
    -NoRestart; a needed restart is reported (RestartNeeded), never done.
    This is KB943144's second fix as it exists on supported Windows: the
    standalone /wuforce agent installer ended with Windows 7. It runs for
    many minutes.

    Then reports like Get-WurComponentHealth (a fresh -CheckHealth).
    A failure for want of repair files is data: HRESULT 0x800F081F
    (CBS_E_SOURCE_MISSING), 0x800F0906 (CBS_E_DOWNLOAD_FAILURE), 0x800F0907
    (CBS_E_GROUPPOLICY_DISALLOWED: policy forbids Windows Update as the
    source) or 0x800F0954 (CBS_E_NO_OPTIONAL_CONTENT_FOUND_ON_UPDATE_SERVERS:
    the machine asks WSUS, which has no payload) gives SourceMissing = $true
    and HResult set (signed 32-bit value widened to int64), with the state
    as CheckHealth now says. Any other failure throws.
    Decisions use the exception's HResult, never its message.

    With -WhatIf nothing is repaired: only CheckHealth runs (WhatIf = $true).
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [string]$Source,

    [bool]$LimitAccess
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
# Continue, not SilentlyContinue: Repair-WindowsImage's progress records
# go to this request's Progress stream (the runspace has no console to draw
# on), and the bootstrap sends their PercentComplete to wurepair as progress
# frames, which restart the inactivity timeout of a scan or repair that
# runs for many minutes. Silenced, they would never be written at all.
$ProgressPreference = 'Continue'

$whatIf = [bool]$WhatIfPreference
# "Repair source unavailable", as the signed Int32 values Exception.HResult
# holds: 0x800F081F CBS_E_SOURCE_MISSING, 0x800F0906 CBS_E_DOWNLOAD_FAILURE,
# 0x800F0907 CBS_E_GROUPPOLICY_DISALLOWED, 0x800F0954
# CBS_E_NO_OPTIONAL_CONTENT_FOUND_ON_UPDATE_SERVERS.
$sourceMissingCodes = @([int64]-2146498529, [int64]-2146498298, [int64]-2146498297, [int64]-2146498220)

function Get-WurHResults {
    # Every HResult along the exception chain (the DISM cmdlets may wrap the
    # COMException that carries the CBS error).
    param([System.Exception]$Exception)
    $e = $Exception
    while ($null -ne $e) {
        [int64]$e.HResult
        $e = $e.InnerException
    }
}

$sourceMissing = $false
$hresult = [int64]0
$restart = $false

if ($PSCmdlet.ShouldProcess('online Windows image', 'Repair-WindowsImage -RestoreHealth')) {
    $repair = @{ Online = $true; RestoreHealth = $true; NoRestart = $true }
    if (-not [string]::IsNullOrEmpty($Source)) { $repair['Source'] = [string[]]@($Source) }
    if ($LimitAccess) { $repair['LimitAccess'] = $true }
    try {
        $result = @(Repair-WindowsImage @repair) | Select-Object -Last 1
        if ($null -ne $result -and $null -ne $result.PSObject.Properties['RestartNeeded']) {
            $restart = [bool]$result.RestartNeeded
        }
    } catch {
        $codes = @(Get-WurHResults -Exception $_.Exception)
        $hit = @($codes | Where-Object { $sourceMissingCodes -contains $_ }) | Select-Object -First 1
        if ($null -eq $hit) {
            $PSCmdlet.ThrowTerminatingError($_)
        }
        $sourceMissing = $true
        $hresult = [int64]$hit
    }
}

$image = @(Repair-WindowsImage -Online -CheckHealth) | Select-Object -Last 1
$state = ''
if ($null -ne $image) {
    if ($null -ne $image.PSObject.Properties['ImageHealthState']) { $state = [string]$image.ImageHealthState }
    if ($null -ne $image.PSObject.Properties['RestartNeeded'] -and [bool]$image.RestartNeeded) { $restart = $true }
}

[pscustomobject]@{
    ImageHealthState = $state
    RestartNeeded    = [bool]$restart
    SourceMissing    = [bool]$sourceMissing
    HResult          = [int64]$hresult
    WhatIf           = $whatIf
}
