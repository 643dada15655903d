<#
.SYNOPSIS
    wurepair session bootstrap.
.DESCRIPTION
    wurepair dot-sources this once per session, passing the session nonce.
    It defines Invoke-WurRequest and prints one READY line with host facts.

    Wire protocol (all ASCII, one line each; ps/doc.go is the reference):
      request : Invoke-WurRequest '<base64 UTF-8 JSON {id,name,script,params,timeoutMs,checkMode[,inactivity]}>'
      then    : '<nonce>:END:<id>'   (a string literal the host echoes even
                when the request line failed to parse or threw outside
                Invoke-WurRequest's try: Go then fails at once)
      progress: <nonce>:<id>:P:<percent>   (0..100, while the script runs,
                when its Write-Progress PercentComplete changes; polled
                every second at most)
      reply   : <nonce>:<id>:<byte length>:<base64 UTF-8 JSON envelope>
      ready   : <nonce>:READY:<byte length>:<base64 UTF-8 JSON host facts>

    Parameters are bound with AddParameters: they are data and are never
    spliced into script text. Nothing here reads localized text.

    After READY the host never executes a line: this script reads stdin
    itself in both deliveries (-Command - and -File ... -Serve) and
    dispatches the request, END, SYNC and exit lines by their exact shape
    (the loop at the end). PowerShell's console host reads stdin through
    the same Console.In, a character at a time, so nothing it buffered is
    lost (ConsoleHostUserInterface.ReadLineFromFile in PowerShell's source).

    Every request runs in a fresh runspace that nothing ran in before: one
    request's location, global variables, modules, functions, StrictMode
    and preferences are never seen by the next. ResetRunspaceState is not
    enough: it keeps the location and StrictMode (measured on pwsh 7.6).
    The next request's runspace is opened in the background (a pool of
    one, opened by a helper runspace that never runs request text) from one
    InitialSessionState built once: right after a reply is written, or
    while a request's script is still running after its first 25 ms (see
    Wait-WurScript). A short request therefore never shares the CPU with an
    open, and a long one hides the open behind its own run.

    Native commands started by a script get an empty, closed stdin: the
    host's stdin is the request pipe, and a native that inherited it would
    eat the next request line. A PostCommandLookupAction in the script
    runspace runs every application through a pipeline (input | & app), so
    PowerShell redirects its stdin instead of letting it inherit the host's.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [ValidatePattern('^[0-9a-f]{32}$')]
    [string]$Nonce,

    # Test seam: base64 UTF-8 PowerShell run in the script runspace before
    # every request (tests define doubles of Windows-only commands with it).
    # wurepair itself never sends one.
    [ValidatePattern('^[A-Za-z0-9+/=]*$')]
    [string]$Prelude = '',

    # -File delivery (powershell.exe -File <this file> -Nonce <n> -Serve):
    # Go writes no probe line, so this script answers the language-mode
    # probe itself. Either way it then reads the request lines (the loop at
    # the end).
    [switch]$Serve
)
if ($Serve) {
    # Pipeline output, no .NET call: this line must work in
    # ConstrainedLanguage too, which Go then refuses.
    $Nonce + ':MODE:' + $ExecutionContext.SessionState.LanguageMode
}
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$global:ProgressPreference = 'SilentlyContinue'
# Variables are looked up through the session state, not Test-Path: the
# cmdlet would load Microsoft.PowerShell.Management at startup for nothing
# off Windows (seen in the cold start trace, docs/performance.md).
if ($null -ne $ExecutionContext.SessionState.PSVariable.Get('PSStyle')) {
    $PSStyle.OutputRendering = 'PlainText'
}
$preludeText = ''
if ($Prelude -ne '') {
    $preludeText = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($Prelude))
}
# One template for every request runspace, built once: building it is half
# the cost of a fresh runspace (measured on pwsh 7.6). Each runspace opened
# from it gets its own copy (RunspaceFactory.CreateRunspace clones it), so
# a request cannot change what the next one starts with. It is built by the
# first background open, off the startup path ($WurOpenRunspace), and kept
# in SessionStateBox for every later open; anything every request runspace
# must hold (modules, functions, variables) would be added there.

$global:WurSession = [pscustomobject]@{
    Nonce           = $Nonce
    Runspace        = $null
    Prelude         = $preludeText
    JsonArgs        = @{}
    DateStringsLost = $false
    # SessionState: the template above, once the first open built it.
    # Written by the opener's thread before its open returns, read here
    # only after EndInvoke (or when no open is in flight).
    SessionStateBox = @{ SessionState = $null }
    # Replies are serialized by JsonObject.ConvertToJson where PowerShell
    # has it public (pwsh 7): the same serializer ConvertTo-Json calls,
    # without loading the Microsoft.PowerShell.Utility module for it.
    JsonContext     = $null
    # The background opener: a helper runspace (it only ever runs
    # $WurOpenRunspace, never request text) and the open in flight.
    Opener          = $null
    OpenShell       = $null
    OpenAsync       = $null
    # The last request's runspace, handed to the next open to dispose of.
    Spent           = $null
}

# Run in every script runspace before anything else: applications get their
# stdin from a pipeline (empty unless the script piped into them), never the
# host's stdin, which carries the requests.
$global:WurNativeStdinGuard = @'
$ExecutionContext.InvokeCommand.PostCommandLookupAction = {
    param($CommandName, $EventArgs)
    if (($EventArgs.Command -is [System.Management.Automation.ApplicationInfo]) -and ($null -eq $EventArgs.CommandScriptBlock)) {
        $application = $EventArgs.Command
        $EventArgs.CommandScriptBlock = { @($input) | & $application @args }.GetNewClosure()
    }
}
'@

# ---- The safety library (scripts/lib; issue 19 item 8) --------------------
# scripts.Load (Go) puts the text of scripts/lib/*.ps1 inside this
# here-string, so the bootstrap's SHA-256, `wurepair scripts show bootstrap`,
# the -File copy and release signing all cover it. New-WurRunspace runs it
# in every request runspace (Add-WurLibrary), before the test prelude and
# the request: every script finds its helpers (New-WurError,
# Get-WurKnownFolder, Resolve-WurPath ...) defined in the runspace's global
# scope, and the test prelude can replace one. It is run as text rather
# than added to the InitialSessionState as function entries: those are
# compiled when the runspace opens, which fixes their .NET type names
# before the test doubles' prelude can map them.
$global:WurLibrary = @'
# scripts.Load replaces this line with the text of scripts/lib/*.ps1.
'@

function Add-WurLibrary {
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)]$Runspace)
    $shell = [PowerShell]::Create()
    try {
        $shell.Runspace = $Runspace
        [void]$shell.AddScript($global:WurLibrary, $false).Invoke()
    } finally {
        $shell.Dispose()
    }
}
# ---- end of the safety library hook ------------------------------------------

function New-WurRunspace {
    # Opens a request runspace on this thread: the fallback when the
    # background open failed (its error is then the request's).
    [CmdletBinding()]
    param()
    $box = $global:WurSession.SessionStateBox
    if ($null -eq $box['SessionState']) {
        $box['SessionState'] = [System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault()
    }
    $runspace = [RunspaceFactory]::CreateRunspace($box['SessionState'])
    $runspace.ThreadOptions = [System.Management.Automation.Runspaces.PSThreadOptions]::ReuseThread
    $runspace.Open()
    $guard = [PowerShell]::Create()
    try {
        $guard.Runspace = $runspace
        [void]$guard.AddScript($global:WurNativeStdinGuard, $false).Invoke()
    } finally {
        $guard.Dispose()
    }
    Add-WurLibrary -Runspace $runspace
    $runspace
}

# What the helper runspace runs to open the next request runspace (the same
# steps as New-WurRunspace, on the helper's thread).
$global:WurOpenRunspace = @'
param($SessionStateBox, $Guard, $Library, $Spent)
# The previous request's runspace is disposed here, off the request path.
if ($null -ne $Spent) {
    try { $Spent.Dispose() } catch { [Console]::Error.WriteLine('wurepair: disposing a used runspace failed: ' + $_.Exception.Message) }
}
# The template, built once, by the first open.
if ($null -eq $SessionStateBox['SessionState']) {
    $SessionStateBox['SessionState'] = [System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault()
}
$runspace = [RunspaceFactory]::CreateRunspace($SessionStateBox['SessionState'])
# One pipeline thread per runspace, made by the guard's run here: the
# request's run then starts no thread (the default starts one per run).
$runspace.ThreadOptions = [System.Management.Automation.Runspaces.PSThreadOptions]::ReuseThread
$runspace.Open()
# The stdin guard, then the safety library (as Add-WurLibrary does).
foreach ($text in @($Guard, $Library)) {
    $shell = [PowerShell]::Create()
    try {
        $shell.Runspace = $runspace
        [void]$shell.AddScript($text, $false).Invoke()
    } finally {
        $shell.Dispose()
    }
}
$runspace
'@

# Starts opening the next request runspace in the background: PowerShell's
# own BeginInvoke runs the open on the helper runspace's thread while this
# one serves the current request.
function Start-WurRunspaceOpen {
    [CmdletBinding()]
    param()
    $session = $global:WurSession
    if ($null -ne $session.OpenShell) {
        return
    }
    # A used runspace goes to the opener, which disposes of it first.
    $used = $session.Spent
    $session.Spent = $null
    if ($null -eq $session.Opener) {
        # An empty InitialSessionState (no commands, types or formats)
        # opens in a fraction of a default one; the opener needs only the
        # language and .NET.
        $helperState = [System.Management.Automation.Runspaces.InitialSessionState]::Create()
        $helperState.LanguageMode = [System.Management.Automation.PSLanguageMode]::FullLanguage
        $opener = [RunspaceFactory]::CreateRunspace($helperState)
        $opener.ThreadOptions = [System.Management.Automation.Runspaces.PSThreadOptions]::ReuseThread
        $opener.Open()
        $session.Opener = $opener
    }
    $shell = [PowerShell]::Create()
    $shell.Runspace = $session.Opener
    [void]$shell.AddScript($global:WurOpenRunspace, $false).AddArgument($session.SessionStateBox).AddArgument($global:WurNativeStdinGuard).AddArgument($global:WurLibrary).AddArgument($used)
    $session.OpenAsync = $shell.BeginInvoke()
    $session.OpenShell = $shell
}

# Takes the runspace the background open produced (waiting for it if it is
# still opening), or opens one here when that failed. A runspace is handed
# out once and disposed after its request: none runs two requests.
function Get-WurRunspace {
    [CmdletBinding()]
    param()
    $session = $global:WurSession
    $runspace = $null
    $shell = $session.OpenShell
    if ($null -ne $shell) {
        $session.OpenShell = $null
        try {
            $opened = @($shell.EndInvoke($session.OpenAsync))
            if ($opened.Count -eq 1) {
                $runspace = $opened[0]
            }
        } catch {
            [Console]::Error.WriteLine('wurepair: opening a runspace in the background failed: ' + $_.Exception.Message)
        } finally {
            $session.OpenAsync = $null
            $shell.Dispose()
        }
    }
    # The open script returns a runspace only after Open() succeeded (it
    # throws otherwise). Reading its state here would cost a member lookup
    # that every runspace open invalidates (PowerShell re-binds a property
    # named in the type tables each time one is loaded: PSGetMemberBinder.
    # TypeTableMemberAdded), about 1.5 ms a request on pwsh 7.6.
    if ($null -eq $runspace) {
        $runspace = New-WurRunspace
    }
    $session.Runspace = $runspace
    $runspace
}

# Once the reply was written: hands the used runspace to the next open,
# which disposes of it in the background, and starts that open now. When a
# long request already started it (Wait-WurScript), the runspace is
# disposed here.
function Reset-WurRunspace {
    [CmdletBinding()]
    param()
    $session = $global:WurSession
    $used = $session.Runspace
    $session.Runspace = $null
    if (($null -ne $used) -and ($null -ne $session.OpenShell)) {
        try {
            $used.Dispose()
        } catch {
            [Console]::Error.WriteLine('wurepair: disposing a used runspace failed: ' + $_.Exception.Message)
        }
        return
    }
    $session.Spent = $used
    try {
        Start-WurRunspaceOpen
    } catch {
        # The next request opens one itself and reports what fails then.
        [Console]::Error.WriteLine('wurepair: starting the next runspace failed: ' + $_.Exception.Message)
    }
}

function Write-WurFrame {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)][string]$Id,
        [Parameter(Mandatory = $true)]$Value
    )
    try {
        $json = $null
        $context = $global:WurSession.JsonContext
        if ($null -ne $context) {
            try {
                $json = [Microsoft.PowerShell.Commands.JsonObject]::ConvertToJson($Value, [ref]$context)
            } catch {
                # The cmdlet below fails the same way with its own error id
                # (NonStringKeyInDictionary ...), which the reply reports.
                $json = $null
            }
        }
        if ($null -eq $json) {
            $json = ConvertTo-Json -InputObject $Value -Depth 20 -Compress
        }
    } catch {
        if ($Id -eq 'READY') {
            throw
        }
        # The script's result could not be serialized: say so in an error
        # envelope rather than leave Go without a reply.
        $fallback = New-WurEnvelope
        $record = ConvertTo-WurErrorRecord -Record $_
        $record.fqid = 'WurReplyNotSerializable,' + $record.fqid
        $fallback.errors = @($record)
        $fallback.hadErrors = $true
        $json = ConvertTo-Json -InputObject $fallback -Depth 5 -Compress
    }
    $bytes = [Text.Encoding]::UTF8.GetBytes($json)
    $line = $global:WurSession.Nonce + ':' + $Id + ':' + $bytes.Length + ':' + [Convert]::ToBase64String($bytes)
    [Console]::Out.WriteLine($line)
    [Console]::Out.Flush()
}

function ConvertTo-WurErrorRecord {
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)]$Record)
    $position = ''
    if ($null -ne $Record.InvocationInfo) {
        $position = [string]$Record.InvocationInfo.PositionMessage
    }
    $exception = $Record.Exception
    [ordered]@{
        message       = [string]$exception.Message
        fqid          = [string]$Record.FullyQualifiedErrorId
        category      = [string]$Record.CategoryInfo.Category
        target        = [string]$Record.TargetObject
        position      = $position
        hresult       = [int64]$exception.HResult
        exceptionType = $exception.GetType().FullName
        stack         = [string]$Record.ScriptStackTrace
    }
}

function Get-WurInnerErrorRecord {
    <#
    A terminating error leaves the script through EndInvoke, a .NET method,
    so PowerShell wraps it in a MethodInvocationException. The script's own
    ErrorRecord (its FullyQualifiedErrorId and HResult, which Go decides on)
    is on the inner exception.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)]$Record)
    $exception = $Record.Exception
    while ($null -ne $exception) {
        if (($exception -is [System.Management.Automation.IContainsErrorRecord]) -and
            -not ($exception -is [System.Management.Automation.MethodInvocationException])) {
            return $exception.ErrorRecord
        }
        $exception = $exception.InnerException
    }
    $Record
}

function New-WurEnvelope {
    [CmdletBinding()]
    param()
    [ordered]@{
        ok          = $false
        output      = @()
        errors      = @()
        warnings    = @()
        verbose     = @()
        information = @()
        hadErrors   = $false
        timedOut    = $false
        durationMs  = [int64]0
    }
}

function Write-WurProgressFrame {
    # <nonce>:<id>:P:<percent>, all ASCII: the running request's progress.
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)][string]$Id, [Parameter(Mandatory = $true)][int]$Percent)
    [Console]::Out.WriteLine($global:WurSession.Nonce + ':' + $Id + ':P:' + $Percent)
    [Console]::Out.Flush()
}

function Get-WurProgressPercent {
    # The last PercentComplete (0..100) the script wrote since the last
    # call, or -1. ReadAll drains the stream: memory stays bounded however
    # many records a long operation writes.
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)]$Shell)
    $latest = -1
    foreach ($record in $Shell.Streams.Progress.ReadAll()) {
        $p = [int]$record.PercentComplete
        if (($p -ge 0) -and ($p -le 100)) {
            $latest = $p
        }
    }
    $latest
}

function Wait-WurScript {
    <#
    Waits for the script in slices of at most one second; after each one
    that it did not finish in, a changed PercentComplete in its Progress
    stream is sent as a progress frame. Returns $true when it finished,
    $false at the timeout: TimeoutMs from the start or, with -Inactivity,
    from the last progress change.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)]$Shell,
        [Parameter(Mandatory = $true)]$Async,
        [string]$Id,
        [Parameter(Mandatory = $true)][int64]$TimeoutMs,
        [bool]$Inactivity
    )
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $percent = -1
    $frames = $Id -match '^[0-9]{1,18}$'
    # The first slice is short: a script still running after it is long
    # enough to hide the next runspace's open, which starts then (a short
    # one's next open starts after its reply: Reset-WurRunspace).
    $slice = [int64]25
    while ($true) {
        $left = $TimeoutMs - $clock.ElapsedMilliseconds
        if ($left -le 0) {
            return $Async.IsCompleted
        }
        if ($Async.AsyncWaitHandle.WaitOne([int][Math]::Min($slice, $left))) {
            return $true
        }
        if ($slice -ne 1000) {
            $slice = [int64]1000
            try {
                Start-WurRunspaceOpen
            } catch {
                [Console]::Error.WriteLine('wurepair: starting the next runspace failed: ' + $_.Exception.Message)
            }
        }
        $now = Get-WurProgressPercent -Shell $Shell
        if (($now -ge 0) -and ($now -ne $percent)) {
            $percent = $now
            if ($frames) {
                Write-WurProgressFrame -Id $Id -Percent $now
            }
            if ($Inactivity) {
                $clock.Restart()
            }
        }
    }
}

function Invoke-WurScript {
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)]$Request)
    $envelope = New-WurEnvelope
    $parameters = @{}
    $params = $Request['params']
    if ($null -ne $params) {
        # get_Name()/get_Value(), not .Name/.Value (see Invoke-WurRequest):
        # 4 ms a request on pwsh 7.6.
        foreach ($property in $params.PSObject.Properties) {
            $parameters[$property.get_Name()] = $property.get_Value()
        }
    }
    if ($global:WurSession.DateStringsLost) {
        foreach ($name in @($parameters.Keys)) {
            foreach ($value in @($parameters[$name])) {
                if ($value -is [datetime]) {
                    throw ('parameter ' + $name + ' looks like a date and this PowerShell (' + $PSVersionTable.PSVersion + ', ConvertFrom-Json without -DateKind) turned it into a DateTime; use pwsh 7.5 or later, or Windows PowerShell')
                }
            }
        }
    }
    $runspace = Get-WurRunspace
    $shell = [PowerShell]::Create()
    try {
        $shell.Runspace = $runspace
        if ($global:WurSession.Prelude -ne '') {
            # Test setup, run before the request's WhatIf is set (it must
            # really create what it creates); an error in it fails the
            # request rather than leaving a half-made double behind.
            $prelude = [PowerShell]::Create()
            try {
                $prelude.Runspace = $runspace
                [void]$prelude.AddScript($global:WurSession.Prelude, $false).Invoke()
                if ($prelude.Streams.Error.Count -gt 0) {
                    throw ('test prelude failed: ' + $prelude.Streams.Error[0].ToString())
                }
            } finally {
                $prelude.Dispose()
            }
        }
        $shell.Runspace.SessionStateProxy.SetVariable('WhatIfPreference', [bool]$Request['checkMode'])
        [void]$shell.AddScript([string]$Request['script'], $true)
        [void]$shell.AddParameters($parameters)
        $inactivity = [bool]$Request['inactivity']
        $async = $shell.BeginInvoke()
        $errors = [System.Collections.Generic.List[object]]::new()
        $output = @()
        if (Wait-WurScript -Shell $shell -Async $async -Id ([string]$Request['id']) -TimeoutMs ([int64]$Request['timeoutMs']) -Inactivity $inactivity) {
            try {
                $output = @($shell.EndInvoke($async))
            } catch {
                $errors.Add((ConvertTo-WurErrorRecord -Record (Get-WurInnerErrorRecord -Record $_)))
            }
        } else {
            $envelope.timedOut = $true
            $shell.Stop()
        }
        foreach ($record in $shell.Streams.get_Error()) {
            $errors.Add((ConvertTo-WurErrorRecord -Record $record))
        }
        $envelope.output = [object[]]$output
        $envelope.errors = [object[]]$errors.ToArray()
        # foreach, not ForEach-Object: no pipeline to build when a stream
        # is empty, which it mostly is.
        $warnings = [System.Collections.Generic.List[string]]::new()
        foreach ($record in $shell.Streams.Warning) {
            $warnings.Add($record.get_Message())
        }
        $verbose = [System.Collections.Generic.List[string]]::new()
        foreach ($record in $shell.Streams.Verbose) {
            $verbose.Add($record.get_Message())
        }
        $information = [System.Collections.Generic.List[string]]::new()
        foreach ($record in $shell.Streams.Information) {
            $information.Add([string]$record.MessageData)
        }
        $envelope.warnings = $warnings.ToArray()
        $envelope.verbose = $verbose.ToArray()
        $envelope.information = $information.ToArray()
        $envelope.hadErrors = [bool]$shell.HadErrors
        # HadErrors is set even by errors a script handled (try/catch,
        # -ErrorAction SilentlyContinue): ok depends on reported errors only.
        $envelope.ok = (-not $envelope.timedOut) -and ($errors.Count -eq 0)
    } finally {
        $shell.Dispose()
    }
    $envelope
}

function Invoke-WurRequest {
    [CmdletBinding()]
    param([Parameter(Mandatory = $true)][string]$Encoded)
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $id = '?'
    try {
        $json = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($Encoded))
        $jsonArgs = $global:WurSession.JsonArgs
        $decoded = ConvertFrom-Json -InputObject $json @jsonArgs
        # The request's fields, read once into a hashtable. Property access
        # on the hot path is avoided where a runspace open makes PowerShell
        # re-bind it: each open loads the type tables, and a property they
        # name ("id", "Name", "Value", "Error" ...) is re-bound at every
        # access site after it (PSGetMemberBinder.TypeTableMemberAdded in
        # PowerShell's source), ~1-4 ms a site on pwsh 7.6. Method calls
        # (get_Name()) and hashtable lookups are not.
        $request = @{}
        if ($decoded -is [System.Management.Automation.PSCustomObject]) {
            foreach ($property in $decoded.PSObject.Properties) {
                $request[$property.get_Name()] = $property.get_Value()
            }
        }
        if ([string]$request['id'] -match '^[0-9]{1,18}$') {
            $id = [string]$request['id']
        }
        foreach ($field in @('id', 'script', 'timeoutMs')) {
            if (-not $request.ContainsKey($field)) {
                throw ('the request has no ' + $field)
            }
        }
        $envelope = Invoke-WurScript -Request $request
    } catch {
        $envelope = New-WurEnvelope
        $envelope.errors = @(ConvertTo-WurErrorRecord -Record $_)
    }
    $envelope.durationMs = [int64]$clock.ElapsedMilliseconds
    try {
        Write-WurFrame -Id $id -Value $envelope
    } finally {
        Reset-WurRunspace
    }
}

# Start opening the first request's runspace now: on a second core it
# overlaps with what the rest of the startup costs (loading the module that
# holds the JSON cmdlets, the first serialisation).
Start-WurRunspaceOpen

# Nothing below loads a module on pwsh 7 (each costs ~100 ms of the cold
# start, docs/performance.md): the JSON cmdlets' module is loaded by the
# first request's ConvertFrom-Json, while Go waits for that reply anyway.
if ($PSVersionTable.PSVersion.Major -lt 6) {
    # Windows PowerShell 5.1 serializes PSObject-wrapped arrays as
    # {value, Count} (its types.ps1xml gives System.Array a Count member;
    # pwsh 7's has no System.Array entry).
    Remove-TypeData -TypeName 'System.Array' -ErrorAction SilentlyContinue
}

# pwsh 7's ConvertFrom-Json turns ISO-looking strings into DateTime;
# 7.5+ can be told not to: the JsonDateKind enum of its -DateKind
# parameter exists from 7.5 on (a type lookup, no module load). Windows
# PowerShell 5.1 (JavaScriptSerializer) converts only "\/Date(n)\/",
# which Go's encoder never writes.
if ($null -ne ('Microsoft.PowerShell.Commands.JsonDateKind' -as [type])) {
    $global:WurSession.JsonArgs['DateKind'] = 'String'
} elseif ($PSVersionTable.PSVersion.Major -ge 6) {
    $global:WurSession.DateStringsLost = $true
}

# JsonObject.ConvertToJson(object, in ConvertToJsonContext) is public from
# pwsh 7.0 (PowerShell's JsonObject.cs); 5.1 has only the cmdlet. The
# context: depth 20, enums as numbers, compressed, as ConvertTo-Json
# -Depth 20 -Compress builds it.
$jsonContextType = 'Microsoft.PowerShell.Commands.JsonObject+ConvertToJsonContext' -as [type]
if ($null -ne $jsonContextType) {
    $global:WurSession.JsonContext = $jsonContextType::new(20, $false, $true)
}

$edition = 'Desktop'
if ($PSVersionTable.ContainsKey('PSEdition')) {
    $edition = [string]$PSVersionTable.PSEdition
}
# Windows PowerShell (Desktop) runs only on Windows; pwsh says where it runs.
$onWindows = ($edition -eq 'Desktop') -or (($null -ne $ExecutionContext.SessionState.PSVariable.Get('IsWindows')) -and $IsWindows)
$isAdmin = $false
$currentBuild = 0
$ubr = 0
$installationType = ''
# WDAC/AppLocker and Group Policy execution policy, as PowerShell itself
# computes them (Go refuses Enforce, AllSigned and Restricted: ps/policy.go).
# SystemPolicy.GetSystemLockdownPolicy wraps WldpGetLockdownPolicy
# (PowerShell's src/System.Management.Automation/security/wldpNativeMethods.cs);
# it answers None off Windows. Get-ExecutionPolicy -Scope MachinePolicy /
# UserPolicy read the "Turn on Script Execution" Group Policy
# (about_Execution_Policies, about_Group_Policy_Settings); off Windows the
# policy is always Unrestricted and the cmdlet is not worth its module load.
$lockdownPolicy = 'None'
$systemPolicy = 'System.Management.Automation.Security.SystemPolicy' -as [type]
if ($null -ne $systemPolicy) {
    $lockdownPolicy = [string]$systemPolicy::GetSystemLockdownPolicy()
}
$machinePolicy = 'Unrestricted'
$userPolicy = 'Unrestricted'
if ($onWindows) {
    $machinePolicy = [string](Get-ExecutionPolicy -Scope MachinePolicy)
    $userPolicy = [string](Get-ExecutionPolicy -Scope UserPolicy)
}
if ($onWindows) {
    $identity = [Security.Principal.WindowsIdentity]::GetCurrent()
    $principal = New-Object Security.Principal.WindowsPrincipal -ArgumentList $identity
    $isAdmin = $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
    # Every fact read here is optional: a value that is absent (Wine has no
    # InstallationType; a damaged machine may lack any) stays empty/0 and
    # the session still starts.
    $ntKey = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion' -ErrorAction SilentlyContinue
    if ($null -ne $ntKey) {
        if ($ntKey.PSObject.Properties.Match('CurrentBuild').Count -gt 0) {
            $currentBuild = [int]$ntKey.CurrentBuild
        }
        if ($ntKey.PSObject.Properties.Match('UBR').Count -gt 0) {
            $ubr = [int]$ntKey.UBR
        }
        if ($ntKey.PSObject.Properties.Match('InstallationType').Count -gt 0) {
            $installationType = [string]$ntKey.InstallationType
        }
    }
} else {
    # Not Windows (pwsh on Linux, the test engine): no registry, no
    # WindowsIdentity. Root stands in for an administrator.
    $isAdmin = ([Environment]::UserName -eq 'root')
}
$facts = [ordered]@{
    psVersion      = $PSVersionTable.PSVersion.ToString()
    psEdition      = $edition
    languageMode   = [string]$ExecutionContext.SessionState.LanguageMode
    is64BitProcess = [Environment]::Is64BitProcess
    is64BitOS      = [Environment]::Is64BitOperatingSystem
    isAdmin        = [bool]$isAdmin
    osVersion      = [Environment]::OSVersion.Version.ToString()
    osBuild        = $currentBuild
    osUbr          = $ubr
    installationType = $installationType
    culture        = [Globalization.CultureInfo]::CurrentCulture.Name
    uiCulture      = [Globalization.CultureInfo]::CurrentUICulture.Name
    pid            = $PID
    lockdownPolicy = $lockdownPolicy
    executionPolicyMachine = $machinePolicy
    executionPolicyUser = $userPolicy
}
Write-WurFrame -Id 'READY' -Value $facts

# From here on, in both deliveries, this loop reads the lines Go writes,
# recognises them by their exact shape and dispatches them: a line is never
# executed. Anything else goes to stderr, and the END line that follows
# every request tells Go no reply is coming. Under -Command - the console
# host gets stdin back only at "exit" (then end of input), and exits.
# Serving here also saves the console host's per-line parse and pipeline
# and the formatting of each END echo (docs/performance.md).
$requestLine = '^Invoke-WurRequest ''([A-Za-z0-9+/=]*)''$'
$endLine = '^''' + $Nonce + ':END:([0-9]{1,18})''$'
$syncLine = '^\[Console\]::Error\.WriteLine\(''(' + $Nonce + ':SYNC:[0-9]{1,18})''\)$'
while ($true) {
    $line = [Console]::In.ReadLine()
    if (($null -eq $line) -or ($line -eq 'exit')) {
        break
    }
    try {
        if ($line -match $requestLine) {
            Invoke-WurRequest -Encoded $Matches[1]
        } elseif ($line -match $endLine) {
            [Console]::Out.WriteLine($Nonce + ':END:' + $Matches[1])
            [Console]::Out.Flush()
        } elseif ($line -match $syncLine) {
            # SYNC is answered once everything the lines before it
            # started is done, the background runspace open included:
            # Go then reads stderr up to the marker knowing the host is
            # idle (benchmarks wait for a ready runspace with it).
            $marker = $Matches[1]
            $pending = $global:WurSession.OpenAsync
            if ($null -ne $pending) {
                [void]$pending.AsyncWaitHandle.WaitOne(60000)
            }
            [Console]::Error.WriteLine($marker)
        } elseif ($line -ne '') {
            [Console]::Error.WriteLine('wurepair: ignored a line that is not a request')
        }
    } catch {
        [Console]::Error.WriteLine('wurepair: ' + $_.Exception.Message)
    }
}
