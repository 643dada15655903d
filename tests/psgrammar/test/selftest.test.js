'use strict';
// Proves each check can fail: small in-memory scripts, bad ones must be
// reported under the right rule, good ones must pass. A check that cannot
// fail is worthless; a check that fails on good code gets switched off.

const test = require('node:test');
const assert = require('node:assert');
const { parse } = require('../lib/grammar');
const { format, checkSyntax, checkParams, checkBootstrap, lintScript, scriptParams } = require('../lib/checks');

// A script that passes every rule; samples append a body to it.
const HEADER = `[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string]$Name
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
`;

async function problems(text) {
  const tree = await parse(text);
  return [...checkSyntax(tree), ...lintScript(tree)];
}

const show = (ps) => ps.map((p) => format('sample.ps1', p)).join('\n');

// [rule expected, script text]
const BAD = [
  // parse: ERROR / MISSING nodes and what the grammar wrongly accepts
  ['parse', '[CmdletBinding()]\nparam(\n    [string]$Name\n'],
  ['parse', HEADER + 'if ($Name) {\n    1\n'],
  ['parse', HEADER + '$x = @{ a = 1\n'],
  ['parse', HEADER + '$sb = {\n'],
  ['parse', HEADER + '1\nparam($Other)\n'],
  ['parse', HEADER + 'function f { param($x) $x }\n'],
  // cmdletbinding
  ['cmdletbinding', 'param([string]$Name)\nSet-StrictMode -Version Latest\n$ErrorActionPreference = \'Stop\'\n'],
  ['cmdletbinding', 'Set-StrictMode -Version Latest\n$ErrorActionPreference = \'Stop\'\n'],
  ['cmdletbinding', '[OutputType([string])]\nparam([string]$Name)\nSet-StrictMode -Version Latest\n$ErrorActionPreference = \'Stop\'\n'],
  // strict-mode
  ['strict-mode', '[CmdletBinding()]\nparam()\n$ErrorActionPreference = \'Stop\'\n'],
  ['strict-mode', '[CmdletBinding()]\nparam()\nSet-StrictMode -Version 2.0\n$ErrorActionPreference = \'Stop\'\n'],
  ['strict-mode', '[CmdletBinding()]\nparam()\nSet-StrictMode -Off\n$ErrorActionPreference = \'Stop\'\n'],
  ['strict-mode', '[CmdletBinding()]\nparam()\n$ErrorActionPreference = \'Stop\'\nfunction f {\n    Set-StrictMode -Version Latest\n}\n'],
  ['strict-mode', '[CmdletBinding()]\nparam()\n# Set-StrictMode -Version Latest\n$ErrorActionPreference = \'Stop\'\n'],
  // error-action-stop
  ['error-action-stop', '[CmdletBinding()]\nparam()\nSet-StrictMode -Version Latest\n'],
  ['error-action-stop', '[CmdletBinding()]\nparam()\nSet-StrictMode -Version Latest\n$ErrorActionPreference = \'Continue\'\n'],
  ['error-action-stop', '[CmdletBinding()]\nparam()\nSet-StrictMode -Version Latest\n$ErrorActionPreference -eq \'Stop\'\n'],
  ['error-action-stop', '[CmdletBinding()]\nparam()\nSet-StrictMode -Version Latest\nif ($true) {\n    $ErrorActionPreference = \'Stop\'\n}\n'],
  // no-write-host
  ['no-write-host', HEADER + 'Write-Host $Name\n'],
  ['no-write-host', HEADER + 'write-HOST "x"\n'],
  ['no-write-host', HEADER + 'Microsoft.PowerShell.Utility\\Write-Host x\n'],
  ['no-write-host', HEADER + "& 'Write-Host' x\n"],
  ['no-write-host', HEADER + '$x = "a $(Write-Host b)"\n'],
  // no-invoke-expression
  ['no-invoke-expression', HEADER + 'Invoke-Expression $Name\n'],
  ['no-invoke-expression', HEADER + 'iex $Name\n'],
  ['no-invoke-expression', HEADER + '$Name | IEX\n'],
  // no-string-command
  ['no-string-command', HEADER + '$sb = [ScriptBlock]::Create($Name)\n'],
  ['no-string-command', HEADER + '$sb = [System.Management.Automation.ScriptBlock]::Create(\'x\')\n'],
  ['no-string-command', HEADER + '$sb = $ExecutionContext.InvokeCommand.NewScriptBlock($Name)\n'],
  ['no-string-command', HEADER + '& "regsvr32.exe /s $Name"\n'],
  ['no-string-command', HEADER + '& "$env:SystemRoot\\System32\\regsvr32.exe" /s $Name\n'],
  ['no-string-command', HEADER + '$c = "regsvr32 $Name"\n& $c\n'],
  ['no-string-command', HEADER + '$c = \'regsvr32 \' + $Name\n& $c\n'],
  ['no-string-command', HEADER + '& (\'regsvr32 \' + $Name)\n'],
  ['no-string-command', HEADER + 'Start-Process regsvr32.exe -ArgumentList "/s $Name" -Wait\n'],
  ['no-string-command', HEADER + 'Start-Process regsvr32.exe "/s $Name"\n'],
  ['no-string-command', HEADER + 'Start-Process -ArgumentList:"/s $($Name)" -FilePath regsvr32.exe\n'],
  ['no-string-command', HEADER + 'Start-Process regsvr32.exe -Args \'/s\', "$Name"\n'],
  ['no-string-command', HEADER + 'cmd /c "del $Name"\n'],
  ['no-string-command', HEADER + 'cmd.exe /C dir\n'],
  ['no-string-command', HEADER + 'Start-Process -FilePath cmd.exe -ArgumentList \'/c\', \'dir\'\n'],
  ['no-string-command', HEADER + 'Start-Process -Wait:$true cmd.exe -ArgumentList \'/c\', \'dir\'\n'],
  // no-text-parsing: commands
  ['no-text-parsing', HEADER + 'Get-Service | Out-String\n'],
  ['no-text-parsing', HEADER + 'Get-Content x | Select-String error\n'],
  ['no-text-parsing', HEADER + 'Get-Content x | sls error\n'],
  ['no-text-parsing', HEADER + 'findstr /i error x.log\n'],
  ['no-text-parsing', HEADER + 'sc.exe query wuauserv\n'],
  ['no-text-parsing', HEADER + 'sc query wuauserv\n'],
  ['no-text-parsing', HEADER + 'C:\\Windows\\System32\\SC.EXE query wuauserv\n'],
  ['no-text-parsing', HEADER + 'net stop wuauserv\n'],
  ['no-text-parsing', HEADER + 'NET.EXE start bits\n'],
  ['no-text-parsing', HEADER + 'wmic qfe list\n'],
  ['no-text-parsing', HEADER + 'netsh winhttp show proxy\n'],
  // no-text-parsing: matching localized text
  ['no-text-parsing', HEADER + 'try { 1 } catch { if ($_.Exception.Message -match \'denied\') { 2 } }\n'],
  ['no-text-parsing', HEADER + 'try { 1 } catch { if ($_.Exception -like \'*denied*\') { 2 } }\n'],
  ['no-text-parsing', HEADER + 'try { 1 } catch { if ($_ -match \'denied\') { 2 } }\n'],
  ['no-text-parsing', HEADER + 'try { 1 } catch { $m = $_.Exception.Message }\nif ($m -notlike \'*x*\') { 2 }\n'],
  ['no-text-parsing', HEADER + '$r = [string]$err.Message -imatch \'x\'\n'],
  ['no-text-parsing', HEADER + 'if ($Error[0] -match \'x\') { 1 }\n'],
  ['no-text-parsing', HEADER + 'if ((regsvr32.exe /s x) -match \'ok\') { 1 }\n'],
  ['no-text-parsing', HEADER + '$out = & dism.exe /Online /Cleanup-Image /CheckHealth\nif ($out -like \'*repairable*\') { 1 }\n'],
  ['no-text-parsing', HEADER + '$out = & $exe /x\nif ($out -cmatch \'x\') { 1 }\n'],
  // ps7-only
  ['ps7-only', HEADER + '$x = $Name ?? \'default\'\n'],
  ['ps7-only', HEADER + '$Name ??= \'default\'\n'],
  ['ps7-only', HEADER + '$x = ${Name}?.Length\n'],
  ['ps7-only', HEADER + '$x = ${Name}?[0]\n'],
  ['ps7-only', HEADER + '$x = $Name ? 1 : 2\n'],
  ['ps7-only', HEADER + 'Get-Thing && Get-Other\n'],
  ['ps7-only', HEADER + 'Get-Thing || Get-Other\n'],
  ['ps7-only', HEADER + '1..3 | ForEach-Object -Parallel { $_ }\n'],
  ['ps7-only', HEADER + '1..3 | % -Pa { $_ }\n'],
  ['ps7-only', HEADER + 'function f {\n    param($x)\n    begin { 1 }\n    clean { 2 }\n}\n'],
  ['ps7-only', HEADER + 'clean { 2 }\n'],
];

for (const [rule, text] of BAD) {
  test(`bad sample is reported as ${rule}: ${JSON.stringify(text.slice(text.startsWith(HEADER) ? HEADER.length : 0))}`, async () => {
    const ps = await problems(text);
    assert.ok(ps.some((p) => p.rule === rule), `expected a [${rule}] problem, got:\n${show(ps) || '(none)'}`);
  });
}

// Code that must NOT be reported: idioms our scripts rely on, and near-misses.
const GOOD = [
  '',
  '# Write-Host in a comment\n<# Invoke-Expression, sc.exe, $a ?? $b in a block comment #>\n',
  "$s = 'Write-Host iex sc.exe'\n$t = \"Invoke-Expression $Name\"\n$u = @\"\nWrite-Host $Name\n\"@\n",
  'Write-Verbose \'Write-Host is banned\'\n',
  '$line = \'a\' + $Name\n[Console]::Out.WriteLine($line)\n[Console]::Out.Flush()\n',
  '$request = ConvertFrom-Json -InputObject $Name\n',
  '$json = ConvertTo-Json -InputObject @{ a = 1 } -Depth 20 -Compress\n',
  '$shell = [PowerShell]::Create()\n[void]$shell.AddScript([string]$Name, $true)\n',
  '$sb = { $null }\nGet-Item x | ForEach-Object { $null }\n',
  '$exe = Join-Path -Path $env:SystemRoot -ChildPath \'System32\\regsvr32.exe\'\n& $exe /s $Name\n',
  '$p = Start-Process -FilePath $exe -ArgumentList \'/s\', $Name -Wait -PassThru -NoNewWindow\n$p.ExitCode\n',
  '$p = Start-Process -FilePath $exe -ArgumentList @(\'/s\', $Name) -Wait -PassThru\n',
  '$p = Start-Process -FilePath \'regsvr32.exe\' -ArgumentList \'/s\' -Wait -PassThru\n',
  '& { param($x) $x } 1\n',
  'if ((& { \'x\' }) -match \'x\') { 1 }\n',
  'Get-Service | ? { $_.Status -eq \'Running\' }\n',
  '1..3 | ForEach-Object -Process { $_ }\n',
  'if ([string]$Name -match \'^[0-9]{1,18}$\') { 1 }\n',
  'if ($Name -like \'wu*\') { 1 }\n',
  'try { 1 } catch { if ($_.FullyQualifiedErrorId -like \'PathNotFound*\') { 2 } }\n',
  'try { 1 } catch { if ($_.Exception.HResult -eq -2147024864) { 2 } }\n',
  '$svc = Get-Service -Name wuauserv\n[string]$svc.Status\n',
  'function Get-X {\n    [CmdletBinding()]\n    param([string]$Y)\n    process { $Y }\n}\n',
  'function Get-X {\n    param([Parameter(Mandatory = $true)]$Record)\n    $Record\n}\n',
  '$x = if ($Name) { 1 } else { 2 }\n',
];

for (const body of GOOD) {
  test(`good sample passes: ${JSON.stringify(body)}`, async () => {
    const ps = await problems(HEADER + body);
    assert.deepStrictEqual(show(ps), '', 'false positive');
  });
}

// Grammar bugs on valid PowerShell: still reported (the parse rule cannot tell
// them from real errors), but with a hint naming the harmless workaround.
test('grammar quirks are reported with a workaround hint', async () => {
  const empty = checkSyntax(await parse(HEADER + '$sb = { }\n$sb2 = {}\nGet-Item x | ForEach-Object { }\n'));
  assert.ok(empty.length > 0 && empty.every((p) => /empty script block/.test(p.message)), show(empty));
  const sameLine = checkSyntax(await parse('function f { param($x) $x }\n'));
  assert.ok(sameLine.length === 1 && /line break after a param/.test(sameLine[0].message), show(sameLine));
  assert.deepStrictEqual(checkSyntax(await parse('function f { param($x)\n    $x\n}\n')), []);
});

test('strict-mode and error-action-stop accept the long forms', async () => {
  const text = '[CmdletBinding(SupportsShouldProcess = $true)]\nparam()\nSet-StrictMode -Version:Latest\n' +
    '$script:ErrorActionPreference = [System.Management.Automation.ActionPreference]::Stop\n';
  assert.deepStrictEqual(show(await problems(text)), '');
});

test('problems name file:line:col and the rule', async () => {
  const ps = await problems(HEADER + '\nWrite-Host $Name\n');
  assert.deepStrictEqual(ps.map((p) => format('x.ps1', p).split(' ')[0] + ' ' + p.rule), ['x.ps1:9:1: no-write-host']);
  const parseErr = checkSyntax(await parse('$x = $a ?? 1\n'));
  assert.match(format('y.ps1', parseErr[0]), /^y\.ps1:1:\d+: \[parse\] syntax error at `.*\?\?/);
});

// ------------------------------------------------------------- manifest

const ENTRY = {
  name: 'Test-Sample',
  params: [
    { name: 'Name', type: 'string', required: true },
    { name: 'Items', type: 'string[]', required: false },
    { name: 'Count', type: 'int', required: false },
    { name: 'Force', type: 'bool', required: false },
  ],
};
const PARAMS_OK = `[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string]$Name,
    [string[]]$Items = @(),
    [Parameter(Mandatory = $false)][int]$Count = 3,
    [bool]$Force
)
function Inner { param([string]$NotAScriptParam) $NotAScriptParam }
`;

test('manifest: matching params pass, and function params are not script params', async () => {
  const tree = await parse(PARAMS_OK);
  assert.deepStrictEqual(scriptParams(tree).map((p) => [p.name, p.mandatory, p.type]),
    [['Name', true, 'string'], ['Items', false, 'string[]'], ['Count', false, 'int'], ['Force', false, 'bool']]);
  assert.deepStrictEqual(checkParams(ENTRY, tree), []);
});

// [what is wrong, script text, manifest entry, expected message fragment]
const BAD_PARAMS = [
  ['script param not in manifest', PARAMS_OK.replace('[bool]$Force', '[bool]$Force,\n    [string]$Extra'), ENTRY, 'Extra is not in the manifest'],
  ['manifest param not in script', PARAMS_OK.replace(',\n    [bool]$Force', ''), ENTRY, 'Force is not in the script'],
  ['case differs', PARAMS_OK.replace('$Force', '$force'), ENTRY, 'spells it force'],
  ['Mandatory but not required', PARAMS_OK, { ...ENTRY, params: ENTRY.params.map((p) => ({ ...p, required: false })) }, 'Name is Mandatory in the script'],
  ['required but not Mandatory', PARAMS_OK.replace('[Parameter(Mandatory)]', ''), ENTRY, 'Name is required: true'],
  ['Mandatory = $false is not required', PARAMS_OK, { ...ENTRY, params: ENTRY.params.map((p) => (p.name === 'Count' ? { ...p, required: true } : p)) }, 'Count is required: true'],
  ['type differs', PARAMS_OK.replace('[int]$Count', '[string]$Count'), ENTRY, 'Count is [string] in the script but int'],
  ['type missing', PARAMS_OK.replace('[bool]$Force', '$Force'), ENTRY, 'Force has no [type]'],
  ['no param block', 'Set-StrictMode -Version Latest\n', ENTRY, 'Name is not in the script'],
  ['name declared twice', PARAMS_OK, { ...ENTRY, params: [...ENTRY.params, ENTRY.params[0]] }, 'declares parameter Name twice'],
];

for (const [what, text, entry, fragment] of BAD_PARAMS) {
  test(`manifest mismatch is reported: ${what}`, async () => {
    const ps = checkParams(entry, await parse(text));
    assert.ok(ps.some((p) => p.rule === 'manifest' && p.message.includes(fragment)),
      `expected "${fragment}", got:\n${show(ps) || '(none)'}`);
  });
}

test('bootstrap must declare Nonce', async () => {
  assert.deepStrictEqual(checkBootstrap(await parse('[CmdletBinding()]\nparam([string]$Nonce)\n')), []);
  const ps = checkBootstrap(await parse('[CmdletBinding()]\nparam([string]$Token)\n'));
  assert.ok(ps.some((p) => p.rule === 'manifest' && /Nonce/.test(p.message)), show(ps));
  const none = checkBootstrap(await parse('function f { param([string]$Nonce) }\n'));
  assert.strictEqual(none.length, 1, 'a function\'s Nonce is not the script\'s');
});
