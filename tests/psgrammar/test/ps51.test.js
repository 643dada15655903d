'use strict';
// The Windows PowerShell 5.1 command check (lib/ps51.js): first small
// in-memory calls proving each part of it fails on what 5.1 rejects and
// passes what 5.1 runs, then every embedded script of the repository.

const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { parse } = require('../lib/grammar');
const { format } = require('../lib/checks');
const { findPs1, isEmbedded, isLibrary, read } = require('../lib/repo');
const { loadInventory, checkPs51, fileFunctions, resolveParam, PROGRAMS, ALLOWANCES, TEST_HOOKS, COMMANDS_FILE } = require('../lib/ps51');

const show = (ps) => ps.map((p) => format('sample.ps1', p)).join('\n');

async function check(text, others) {
  return checkPs51(await parse(text), others);
}

// ------------------------------------------------------------ inventory

test('ps51 inventory: the file is the one its provenance names', () => {
  const inv = loadInventory();
  const readme = fs.readFileSync(path.join(path.dirname(COMMANDS_FILE), 'README.md'), 'utf8');
  const recorded = /sha256: `([0-9a-f]{64})`/.exec(readme);
  assert.ok(recorded, 'ps51/README.md records no sha256');
  assert.strictEqual(inv.sha256, recorded[1], 'ps51/commands.json changed: update ps51/README.md (source, date, sha256)');
  assert.strictEqual(inv.commands.size, 916);
  assert.match(inv.about, /reference\/5\.1/);
});

test('ps51 inventory: every alias names an in-box command', () => {
  const inv = loadInventory();
  assert.ok(inv.aliases.size > 100, `only ${inv.aliases.size} aliases`);
  for (const [alias, target] of inv.aliases) assert.ok(inv.commands.has(target.toLowerCase()), `${alias} -> ${target}`);
  for (const a of ['%', '?', 'where', 'foreach', 'select', 'gci']) assert.ok(inv.aliases.has(a), a);
  // Windows PowerShell only: missing from pwsh on Linux, where our tests run the scripts.
  for (const a of ['ls', 'sc', 'gsv', 'gwmi', 'sort']) assert.ok(!inv.aliases.has(a), a);
});

// --------------------------------------------------------- bad samples

// [rule, script, fragment of the expected message]. The first five are the
// calls issue 8 names.
const BAD = [
  ['ps51', 'Set-Service -Name wuauserv -StartupType AutomaticDelayedStart\n', '"AutomaticDelayedStart" is not an accepted value of -StartupType'],
  ['ps51', '$o = ConvertFrom-Json -InputObject $json -AsHashtable\n', 'has no parameter -AsHashtable'],
  ['ps51', 'Start-Process -FilePath x.exe -Environment @{ A = 1 }\n', 'has no parameter -Environment'],
  ['ps51', 'Remove-Item -Path x -LiteralPath y\n', '-Path and -LiteralPath are not together in any parameter set'],
  // Not ambiguous in 5.1 (its Get-ChildItem has -Force but no -FollowSymlink;
  // pwsh 7.6.9 binds it to -Force too): rejected because it is a prefix.
  ['param-prefix', 'Get-ChildItem -Path x -Fo\n', '-Fo is short for -Force'],
  // Really ambiguous in 5.1.
  ['ps51', 'Get-ChildItem -Path x -F\n', '-F is ambiguous in Windows PowerShell 5.1\'s Get-ChildItem: it could be -File, -Filter, -Force'],
  ['ps51', 'Get-Service -D\n', 'it could be -DependentServices, -DisplayName, -Debug'],
  // Accepted values: through an alias of the parameter, a prefix, -Name:value,
  // quoted, and the common -ErrorAction (Break is PowerShell 7).
  ['ps51', 'Set-Service -Name wuauserv -SM AutomaticDelayedStart\n', 'not an accepted value of -StartupType'],
  ['ps51', 'Set-Service -Name wuauserv -StartupT:\'Auto\'\n', '"Auto" is not an accepted value of -StartupType'],
  ['ps51', 'Get-Item -Path x -ErrorAction Break\n', '"Break" is not an accepted value of -ErrorAction'],
  ['ps51', 'Test-Path -LiteralPath x -PathType File\n', 'accepted: Any, Container, Leaf'],
  ['ps51', 'Get-ChildItem -Path x -Attributes \'Directory+!Hiden\'\n', '"Directory+!Hiden" is not an accepted value of -Attributes'],
  // Parameter sets.
  ['ps51', 'Start-Process -FilePath x.exe -Verb RunAs -NoNewWindow\n', '-Verb and -NoNewWindow are not together'],
  ['ps51', 'Get-CimInstance -ClassName Win32_Service -Query \'SELECT * FROM Win32_Service\'\n', 'not together in any parameter set'],
  ['ps51', 'Remove-Item -LiteralP x -Pa y\n', '-LiteralPath and -Path are not together'],
  // Unknown parameters: PowerShell 6/7 additions, WhatIf where there is no ShouldProcess.
  ['ps51', 'ConvertTo-Json -InputObject $x -Depth 5 -EnumsAsStrings\n', 'has no parameter -EnumsAsStrings'],
  ['ps51', 'Get-Item -Path x -WhatIf\n', 'has no parameter -WhatIf'],
  ['ps51', 'Get-Item -Path x -ProgressAction SilentlyContinue\n', 'has no parameter -ProgressAction'],
  ['ps51', 'Get-Content -LiteralPath x -AsByteStream\n', 'has no parameter -AsByteStream'],
  ['ps51', 'Get-Item -Path x -Force -Force\n', '-Force is bound twice'],
  // Unknown commands.
  ['ps51', 'Get-Error\n', 'Get-Error is not a Windows PowerShell 5.1 in-box command'],
  ['ps51', 'ls C:\\\n', 'ls is not a Windows PowerShell 5.1 in-box command'],
  ['ps51', 'Test-Json -Json \'{}\'\n', 'Test-Json is not'],
  ['ps51', 'foo.exe /x\n', 'programs: see PROGRAMS'],
  ['ps51', 'Get-WurTestKnownFolderX -Folder Windows\n', 'Get-WurTestKnownFolderX is not'],
  ['ps51', 'Microsoft.PowerShell.Core\\Write-Output 1\n', 'is in module Microsoft.PowerShell.Utility'],
  // Our own functions: their param() block is the reference.
  ['ps51', 'function Get-X {\n    [CmdletBinding()]\n    param([string]$Name)\n    $Name\n}\nGet-X -Nam x -Bogus 1\n', 'function Get-X has no parameter -Bogus'],
  ['ps51', 'function Get-X {\n    param([string]$Name)\n    $Name\n}\nGet-X -Verbose\n', 'a simple function would silently put it in $args'],
  ['ps51', 'function Get-X {\n    [CmdletBinding()]\n    param([ValidateSet(\'32\', \'64\')][string]$View)\n    $View\n}\nGet-X -View \'86\'\n', '"86" is not an accepted value of -View in function Get-X (accepted: 32, 64)'],
  ['ps51', 'function Get-X {\n    [CmdletBinding()]\n    param(\n        [Parameter(ParameterSetName = \'A\')][string]$One,\n        [Parameter(ParameterSetName = \'B\')][string]$Two\n    )\n    $One\n}\nGet-X -One 1 -Two 2\n', '-One and -Two are not together in any parameter set of function Get-X'],
  ['param-prefix', 'function Get-X {\n    [CmdletBinding()]\n    param([Alias(\'N\')][string]$Name, [string]$Number)\n    $Name\n}\nGet-X -Nu 1\n', '-Nu is short for -Number'],
  ['ps51', 'Get-X -Name 1\n', 'Get-X is not a Windows PowerShell 5.1 in-box command'],
];

for (const [rule, text, fragment] of BAD) {
  test(`ps51 rejects: ${JSON.stringify(text)}`, async () => {
    const { problems } = await check(text);
    assert.ok(problems.some((p) => p.rule === rule && p.message.includes(fragment)),
      `expected [${rule}] "${fragment}", got:\n${show(problems) || '(none)'}`);
  });
}

test('ps51 names where a function of another script is defined', async () => {
  const { problems } = await check('New-WurError -Id x\n', new Map([['new-wurerror', 'scripts/Backup-WurFolder.ps1']]));
  assert.match(show(problems), /defined in scripts\/Backup-WurFolder\.ps1, but each script runs on its own/);
});

test('ps51 reports file:line:col of the offending parameter', async () => {
  const { problems } = await check('$a = 1\nGet-Item -Path x `\n    -AsHashtable\n');
  assert.deepStrictEqual(problems.map((p) => format('x.ps1', p).split(': [')[0]), ['x.ps1:3:5']);
});

// -------------------------------------------------------- good samples

// Calls 5.1 runs: none may be reported (a checker that rejects everything
// fails here).
const GOOD = [
  'Set-Service -Name wuauserv -StartupType Automatic\n',
  'Set-Service -Name wuauserv -StartupType manual -PassThru\n',
  'Set-Service -InputObject $svc -StartupType $wanted\n',
  'Set-Service -ServiceName wuauserv -StartMode Disabled\n', // parameter aliases
  'Set-Service -Name wuauserv -SM:Disabled\n',
  '$o = ConvertFrom-Json -InputObject $json\n',
  '$j = ConvertTo-Json -InputObject $x -Depth 20 -Compress\n',
  'Start-Process -FilePath $exe -ArgumentList \'/s\', $dll -Wait -PassThru -WindowStyle Hidden\n',
  'Start-Process -FilePath $exe -Args @(\'/s\') -Verb RunAs -Wait\n',
  'Remove-Item -LiteralPath x -Recurse -Force\n',
  'Remove-Item -Path x -Force:$true -Recurse:$false\n',
  'Get-ChildItem -LiteralPath x -Force -File -Filter *.log\n',
  'Get-ChildItem -Path x -s\n', // exact alias of -Recurse wins over -System, -Stream...
  'Get-ChildItem -Path x -Attributes \'Directory+!Hidden, ReadOnly\'\n',
  // Common parameters and their aliases, on a cmdlet and with WhatIf/Confirm where ShouldProcess.
  'Get-Item -Path x -ErrorAction Stop -ErrorVariable e -WarningAction SilentlyContinue -WarningVariable w\n',
  'Get-Item -Path x -ea 0 -ev e -wa Ignore -wv w -infa Continue -iv i -ov o -ob 10 -pv p -Verbose -Debug\n',
  'Get-Item -Path x -vb -db -InformationAction Ignore -InformationVariable i -OutVariable o -OutBuffer 1 -PipelineVariable p\n',
  'Set-Service -Name x -Status Running -WhatIf -Confirm:$false\n',
  'Remove-Item -LiteralPath x -wi -cf\n',
  'Stop-Service -Name wuauserv -Force -NoWait -ErrorAction Stop\n',
  'Get-CimInstance -ClassName Win32_Service -Property @(\'Name\', \'ProcessId\') -ErrorAction Stop\n',
  'Set-ItemProperty -LiteralPath $key -Name \'DelayedAutostart\' -Value 1 -Type DWord\n',
  'Repair-WindowsImage -Online -RestoreHealth -NoRestart -LimitAccess -Source $s\n',
  'Get-Item x 2>$null -Force\n',
  'Test-Path -LiteralPath x -PathType Leaf\n',
  'New-Object -TypeName System.Collections.Generic.List[object]\n',
  'New-Object System.ArgumentException -ArgumentList \'x\'\n',
  'Write-Error -Message x -Category InvalidArgument -ErrorId Y\n',
  // Command aliases that exist in 5.1 and in pwsh on every platform.
  '$x | % { $_ } | ? { $_ } | where Name -eq 1 | foreach { $_ } | select -First 1\n',
  'gci -LiteralPath x -Recurse -ErrorAction SilentlyContinue\n',
  // Module-qualified.
  'Microsoft.PowerShell.Utility\\Write-Output 1\n',
  // Allowed programs, with or without .exe, by name or path.
  'regsvr32.exe /s wups2.dll\n',
  'regsvr32 /u wups2.dll\n',
  'C:\\Windows\\System32\\regsvr32.exe /s x\n',
  // Our functions: exact names, aliases, common parameters when advanced, ShouldProcess.
  'function Get-X {\n    [CmdletBinding()]\n    param([Alias(\'N\')][string]$Name, [switch]$All)\n    $Name\n}\nGet-X -Name 1 -All -ErrorAction Stop\nGet-X -N 1 -All:$false -Verbose\n',
  'function Set-X {\n    [CmdletBinding(SupportsShouldProcess = $true)]\n    param([string]$Name)\n    $Name\n}\nSet-X -Name 1 -WhatIf -Confirm:$false\n',
  'function Set-X {\n    [CmdletBinding(SupportsShouldProcess)]\n    param([string]$Name)\n    $Name\n}\nSet-X -WhatIf\n',
  'function Get-X {\n    param([System.Exception]$Exception)\n    $Exception\n}\n$c = @(Get-X -Exception $e)\n',
  'function Get-X($a, [switch]$b) { $a }\nGet-X -a 1 -b\n',
  'function Get-X {\n    [CmdletBinding()]\n    param(\n        [Parameter(ParameterSetName = \'A\')][string]$One,\n        [Parameter(ParameterSetName = \'B\')][string]$Two,\n        [string]$Both\n    )\n    $One\n}\nGet-X -One 1 -Both 2\nGet-X -Two 1 -Both 2\n',
  'function Get-X {\n    [CmdletBinding()]\n    param([ValidateSet(\'32\', \'64\')][string]$View)\n    $View\n}\nGet-X -View \'64\'\nGet-X -View 32\nGet-X -View $v\n',
  // Splatting: the set is not checked (the hashtable is built at run time).
  'Repair-WindowsImage @repair\n',
  // Named at run time: not checked.
  '& $exe /s $dll\n. $path\n& { param($x) $x } 1\n',
];

for (const body of GOOD) {
  test(`ps51 accepts: ${JSON.stringify(body)}`, async () => {
    const { problems } = await check(body);
    assert.deepStrictEqual(show(problems), '', 'false positive');
  });
}

// --------------------------------------------- resolution, in detail

test('ps51 resolves prefixes as 5.1 does (the prefix itself is then reported)', async () => {
  // Through a whole check: only the param-prefix rule fires, naming the parameter it bound.
  const rec = await check('Get-ChildItem -Path x -Rec\n');
  assert.deepStrictEqual(rec.problems.map((p) => [p.rule, /short for -Recurse/.test(p.message)]), [['param-prefix', true]]);
  // -Ver matches -Verb and the common -Verbose: the command's own parameter wins.
  const ver = await check('Start-Process -FilePath x -Ver RunAs\n');
  assert.deepStrictEqual(ver.problems.map((p) => [p.rule, /short for -Verb;/.test(p.message)]), [['param-prefix', true]]);
  // A prefix bound to a switch does not swallow the next argument.
  const sw = await check('Get-ChildItem -Recu x\n');
  assert.deepStrictEqual(sw.problems.map((p) => p.rule), ['param-prefix']);
});

test('ps51 resolveParam: exact, alias, prefix, ambiguous, unknown', async () => {
  const spec = fileFunctions(await parse('function F {\n    [CmdletBinding()]\n    param([Alias(\'Nm\')]$Name, $Number, [switch]$Force)\n    1\n}\n')).get('f');
  const r = (w) => {
    const x = resolveParam(spec, w);
    return x.param ? `${x.how}:${x.param.name}` : x.ambiguous ? `ambiguous:${x.ambiguous.map((p) => p.name).join(',')}` : 'unknown';
  };
  assert.strictEqual(r('name'), 'exact:Name');
  assert.strictEqual(r('NM'), 'alias:Name');
  assert.strictEqual(r('Num'), 'prefix:Number');
  assert.strictEqual(r('N'), 'ambiguous:Name,Number');
  assert.strictEqual(r('F'), 'prefix:Force');
  assert.strictEqual(r('ea'), 'alias:ErrorAction');
  assert.strictEqual(r('Error'), 'ambiguous:ErrorAction,ErrorVariable');
  assert.strictEqual(r('Bogus'), 'unknown');
});

test('ps51 counts what it checked and what it could not', async () => {
  const { stats } = await check('Get-Item -Path x\n% { 1 }\nRepair-WindowsImage @r -Online\n& $x\nregsvr32.exe /s y\n' +
    'function Get-X {\n    param($a)\n    $a\n}\nGet-X -a 1\n');
  assert.deepStrictEqual(stats, { calls: 5, inbox: 2, ours: 1, alias: 1, program: 1, splatted: 1, dynamic: 1 });
  // A splatted call still has its explicit parameters checked.
  const { problems } = await check('Repair-WindowsImage @r -Bogus\n');
  assert.match(show(problems), /has no parameter -Bogus/);
});

test('ps51 allowances: each says why, and an allowed parameter is accepted in every set', async () => {
  for (const [name, a] of Object.entries(ALLOWANCES)) assert.ok(typeof a.why === 'string' && a.why.length > 10, `${name}: no reason`);
  const text = 'Get-Item -LiteralPath x -Zzz Stop\n';
  assert.match(show((await check(text)).problems), /has no parameter -Zzz/);
  ALLOWANCES['get-item'] = { why: 'a test of the mechanism', extraParams: { Zzz: { acceptedValues: ['Stop'] } } };
  try {
    assert.deepStrictEqual(show((await check(text)).problems), '');
    assert.match(show((await check('Get-Item -LiteralPath x -Zzz Go\n')).problems), /"Go" is not an accepted value of -Zzz/);
  } finally {
    delete ALLOWANCES['get-item'];
  }
});

test('ps51 test hooks: allowed by exact name only, each says why', async () => {
  for (const [name, why] of Object.entries(TEST_HOOKS)) assert.ok(/^[a-z]+-[a-z]+$/.test(name) && why.length > 40, name);
  // Issue 19 item 9: no product script names a test function any more.
  assert.match(show((await check('Get-WurTestKnownFolder -Folder Windows\n')).problems), /Get-WurTestKnownFolder is not/);
});

test('ps51 knows the safety library: its functions, with their parameters, in every script', async () => {
  const lib = fileFunctions(await parse('function Get-WurX {\n    [CmdletBinding()]\n    param([string]$Folder)\n    $Folder\n}\n'));
  assert.deepStrictEqual(show((await checkPs51(await parse('Get-WurX -Folder Windows\n'), new Map(), lib)).problems), '');
  assert.match(show((await checkPs51(await parse('Get-WurX -Bogus 1\n'), new Map(), lib)).problems), /function Get-WurX has no parameter -Bogus/);
  assert.match(show((await check('Get-WurX -Folder Windows\n')).problems), /Get-WurX is not/);
});

test('ps51 programs: each allowed program says why', () => {
  for (const [name, why] of Object.entries(PROGRAMS)) assert.ok(/^[a-z0-9]+$/.test(name) && why.length > 10, name);
});

// ---------------------------------------------------- the real scripts

// checkFiles runs the 5.1 check over files (each on its own: one script's
// functions are not visible in another), reports a summary line, and fails
// on any problem or on a file where no call was found (a broken walk).
async function checkFiles(t, label, files, libraryFiles = []) {
  const trees = new Map();
  const definedIn = new Map();
  const library = new Map();
  for (const f of libraryFiles) {
    for (const [name, spec] of fileFunctions(await parse(read(f)))) library.set(name, spec);
  }
  files = [...files, ...libraryFiles];
  for (const f of files) {
    const tree = await parse(read(f));
    trees.set(f, tree);
    for (const name of fileFunctions(tree).keys()) if (!definedIn.has(name)) definedIn.set(name, f);
  }
  const total = { calls: 0, inbox: 0, ours: 0, alias: 0, program: 0, testHooks: 0, splatted: 0, dynamic: 0 };
  const problems = [];
  const empty = [];
  for (const [f, tree] of trees) {
    const others = new Map([...definedIn].filter(([, file]) => file !== f));
    const r = checkPs51(tree, others, library);
    problems.push(...r.problems.map((p) => format(f, p)));
    for (const k of Object.keys(total)) total[k] += r.stats[k] || 0;
    if (r.stats.calls === 0) empty.push(f);
  }
  const summary = `ps51 (${label}): checked ${total.calls} command calls in ${files.length} files against Windows PowerShell 5.1's ` +
    `${loadInventory().commands.size} in-box commands: ${total.inbox} in-box, ${total.alias} by alias, ${total.ours} our functions, ` +
    `${total.program} programs, ${total.testHooks} test hooks (off Windows only); ${total.splatted} splatted (parameter set not checked), ${total.dynamic} named at run time (not checked); ` +
    `${problems.length} problems`;
  t.diagnostic(summary);
  // Every script calls at least Set-StrictMode: a file with no call means the walk is broken.
  assert.deepStrictEqual(empty, [], 'files where no command call was found');
  assert.deepStrictEqual(problems, [], 'calls Windows PowerShell 5.1 would reject');
}

test('ps51: every command call in scripts/*.ps1 is valid for Windows PowerShell 5.1', async (t) => {
  const files = findPs1().filter(isEmbedded);
  assert.ok(files.includes('scripts/bootstrap.ps1'), 'the bootstrap is checked too');
  const lib = findPs1().filter(isLibrary);
  assert.ok(lib.length > 0, 'the safety library (scripts/lib) is checked too');
  await checkFiles(t, 'embedded scripts', files, lib);
});

// What `wurepair export intune|sccm` generates runs on devices under
// Windows PowerShell 5.1 too: its golden files are exactly that output.
test('ps51: every generated Intune/ConfigMgr script is valid for Windows PowerShell 5.1', async (t) => {
  const files = findPs1().filter((f) => f.startsWith('internal/app/export/testdata/golden/'));
  assert.ok(files.length >= 8, `found only ${files.length} generated scripts`);
  await checkFiles(t, 'generated deployment scripts', files);
});
