'use strict';
// Checks over the syntax tree that tree-sitter-powershell produces.
//
// Node types relied on (print a tree with `npm run dump -- file.ps1` to see
// them; they changed name before and may again when the grammar is bumped):
//   program > param_block? , statement_list      a script file
//   param_block > attribute_list > attribute > attribute_name   [CmdletBinding()]
//   param_block > parameter_list > script_parameter > attribute_list?, variable
//   attribute > attribute_arguments > attribute_argument > simple_name ("=" value)?
//   attribute > type_literal > type_spec          a [type] constraint
//   pipeline > assignment_expression > left_assignment_expression,
//              assignement_operator (sic), pipeline
//   command > command_name | (command_invokation_operator ("&" / "."),
//             command_name_expr > command_name | string_literal | path_command_name
//             | parenthesized_expression | script_block_expression),
//             command_elements > command_parameter (with ":" child when
//             -Name:value), command_argument_sep, generic_token, expressions...
//   string_literal > expandable_string_literal | expandable_here_string_literal
//             (named children variable / sub_expression = interpolation)
//             | verbatim_string_characters | verbatim_here_string_characters
//   comparison_expression / comparison_argument_expression
//             > left, comparison_operator ("-match" ...), right
//   invokation_expression > type_literal, "::", member_name > simple_name, argument_list
//   member_access > ..., member_name > simple_name
//   catch_clause, script_block_expression, pipeline_chain_tail ("&&" / "||")
//   ERROR (node.isError) and zero-width MISSING nodes (node.isMissing)
//
// What the grammar (0.26.4) does NOT expose, and how we cope:
//   - ?. ?[ ?? ??= and the ternary ?: are not in the grammar: they come out as
//     ERROR nodes holding a "?" / "??" token; ps7-only classifies those.
//   - `clean { }` comes out as a command named clean, a generic_token "clean"
//     before a script block, or an ERROR holding simple_name "clean".
//   - A misplaced param(...) parses as a command named "param" (real
//     PowerShell rejects it): reported as a parse problem.
//   - Two grammar bugs reject valid PowerShell; checkSyntax reports them with
//     a hint, because the workaround is harmless: an empty script block `{}`
//     (a MISSING ";" or an ERROR; write `{ $null }`), and code on the same
//     line after a function's param(...) (an ERROR around the param_block).
//   - Top-level (script) begin/process/end blocks parse as commands named
//     begin/process/end; our scripts do not use them.

const { walk, named, position, snippet } = require('./grammar');

/** A finding: 1-based line/col of node, rule id, human message. */
function problem(node, rule, message) {
  return { ...position(node), rule, message };
}

/** "file:line:col: [rule] message" */
function format(file, p) {
  return `${file}:${p.line}:${p.col}: [${p.rule}] ${p.message}`;
}

/** Nodes under node (not node itself), not descending into stop types. */
function* under(node, stop = []) {
  for (const child of node.children) {
    if (!child) continue;
    yield child;
    if (!stop.includes(child.type)) yield* under(child, stop);
  }
}

function ancestor(node, type) {
  for (let n = node.parent; n; n = n.parent) if (n.type === type) return n;
  return null;
}

const lc = (s) => s.toLowerCase();

/** Variable name without $, scope qualifier, braces: ${script:Foo} -> foo. */
function varName(variableNode) {
  return lc(variableNode.text.replace(/^[$@]\{?/, '').replace(/\}$/, '').replace(/^\w+:/, ''));
}

/** True when a string_literal interpolates ($var or $(...)). */
function interpolated(stringLiteral) {
  return [...under(stringLiteral)].some((n) => n.type === 'variable' || n.type === 'sub_expression');
}

/** Unquoted text of a non-interpolating string literal or bare token. */
function literalValue(node) {
  const lit = node.type === 'string_literal' ? node : [...under(node)].find((n) => n.type === 'string_literal');
  if (lit) {
    if (interpolated(lit)) return null;
    return lit.text.replace(/^@?['"‘’‚‛“”„]/, '').replace(/['"‘’‚‛“”„]@?$/, '').trim();
  }
  return node.text.trim();
}

// ---------------------------------------------------------------- commands

/**
 * Resolves the name a command node invokes. base: lower-case last path
 * segment (module qualifier stripped); stem: base without .exe/.com/.bat/.cmd;
 * dynamic: the name is computed (a variable, an interpolated string, ...).
 */
function commandName(cmd) {
  let nameNode = named(cmd).find((n) => n.type === 'command_name');
  const expr = named(cmd).find((n) => n.type === 'command_name_expr');
  const invoked = named(cmd).some((n) => n.type === 'command_invokation_operator');
  let raw = null;
  if (!nameNode && expr) {
    const target = named(expr)[0];
    if (target && target.type === 'command_name') nameNode = target;
    else if (target && target.type === 'string_literal') raw = literalValue(target);
  }
  if (nameNode) raw = nameNode.text;
  if (raw === null) {
    // & { ... } runs a script block; & $x / & "..$y.." runs something unknown.
    const block = expr && named(expr)[0] && named(expr)[0].type === 'script_block_expression';
    return { raw: expr ? expr.text : '', base: '', stem: '', dynamic: true, invoked: invoked && !block };
  }
  const base = lc(raw.split(/[\\/]/).pop());
  return { raw, base, stem: base.replace(/\.(exe|com|bat|cmd)$/, ''), dynamic: false, invoked, pathed: /[\\/]/.test(raw) };
}

/**
 * Binds a command's elements: [{param, paramNode, value}] for -Name value
 * pairs and {param: null, value} for positional arguments. switches is the
 * set of the command's switch parameters (lower case), which take no value
 * unless written -Switch:value.
 */
function commandArgs(cmd, switches = new Set()) {
  const elements = named(cmd).find((n) => n.type === 'command_elements');
  if (!elements) return [];
  const items = named(elements).filter((n) => !['command_argument_sep', 'comment', 'redirection', 'redirections'].includes(n.type));
  const out = [];
  for (let i = 0; i < items.length; i++) {
    const n = items[i];
    if (n.type !== 'command_parameter') {
      out.push({ param: null, value: n });
      continue;
    }
    const param = lc(n.text.replace(/^[-–—]/, '').replace(/:$/, ''));
    // -Switch:value: the grammar puts the ":" in the command_argument_sep after the parameter.
    const sep = n.nextSibling;
    const colon = /:$/.test(n.text) || n.children.some((c) => c && c.type === ':') ||
      (!!sep && sep.type === 'command_argument_sep' && sep.text.trim() === ':');
    const next = items[i + 1];
    const takes = colon || (!switches.has(param) && next && next.type !== 'command_parameter');
    out.push({ param, paramNode: n, value: takes && next ? next : null });
    if (takes && next) i++;
  }
  return out;
}

/** Binds args and resolves -Pre (prefixes) and aliases to full names. */
function boundArgs(cmd, spec) {
  const args = commandArgs(cmd, new Set(spec.switches));
  const positional = [];
  const byName = {};
  for (const a of args) {
    if (a.param === null) {
      positional.push(a.value);
      continue;
    }
    const full = spec.aliases[a.param] || spec.params.find((p) => p.startsWith(a.param)) || a.param;
    byName[full] = a.value;
  }
  spec.positions.forEach((p) => {
    if (!(p in byName) && positional.length > 0) byName[p] = positional.shift();
  });
  return byName;
}

const START_PROCESS = {
  params: ['filepath', 'argumentlist', 'credential', 'workingdirectory', 'loaduserprofile', 'nonewwindow', 'passthru', 'redirectstandarderror', 'redirectstandardinput', 'redirectstandardoutput', 'verb', 'windowstyle', 'wait', 'usenewenvironment'],
  switches: ['loaduserprofile', 'lup', 'nonewwindow', 'nnw', 'passthru', 'wait', 'usenewenvironment', 'whatif', 'confirm'],
  aliases: { args: 'argumentlist', path: 'filepath', pspath: 'filepath', lup: 'loaduserprofile', nnw: 'nonewwindow', rse: 'redirectstandarderror', rsi: 'redirectstandardinput', rso: 'redirectstandardoutput' },
  positions: ['filepath', 'argumentlist'],
};

// Commands whose output is localized text, or that exist to parse text.
const TEXT_PARSERS = {
  'select-string': 'Select-String parses text; use object properties',
  sls: 'sls (Select-String) parses text; use object properties',
  findstr: 'findstr parses text; use object properties',
  'out-string': 'Out-String turns objects into localized text; keep the objects',
  sc: 'sc.exe prints localized text (and `sc` is Set-Content in Windows PowerShell); use Get-Service or CIM',
  net: 'net.exe prints localized text; use Get-Service, Start-Service, Stop-Service',
  net1: 'net1.exe prints localized text; use Get-Service, Start-Service, Stop-Service',
  wmic: 'wmic prints text and is deprecated; use Get-CimInstance',
  netsh: 'netsh prints localized text; use CIM or the registry',
};

// Well-known Windows console programs, for "output of a native command".
// Anything ending in .exe/.com/.bat/.cmd or called by path also counts.
const NATIVE = new Set(('regsvr32 sc net net1 netsh wmic findstr dism sfc cmd reg bitsadmin wuauclt usoclient ' +
  'ipconfig certutil whoami systeminfo schtasks tasklist taskkill icacls takeown fsutil msiexec wusa bcdedit ' +
  'vssadmin cscript wscript powershell pwsh ping nslookup w32tm gpresult auditpol wevtutil pnputil robocopy ' +
  'xcopy attrib setx query qwinsta chcp find').split(' '));

function isNative(name) {
  if (name.dynamic) return name.invoked; // & $exe / & "..$x.." : assume a program
  return NATIVE.has(name.stem) || name.stem !== name.base || (name.pathed && !name.base.includes('-'));
}

// ------------------------------------------------------------------- parse

/** (a) Every ERROR and MISSING node, plus what the grammar wrongly accepts. */
function checkSyntax(tree) {
  const out = [];
  const visit = (node) => {
    if (node.isError || node.isMissing) {
      let msg = node.isError ? `syntax error at \`${snippet(node)}\`` : `missing \`${node.type}\``;
      const kids = named(node);
      if (node.isError && kids.length === 1 && kids[0].type === 'param_block') {
        msg += ' (if this is valid PowerShell: this grammar needs a line break after a param(...) block)';
      } else if (hasEmptyBraces(node.isMissing ? ancestor(node, 'script_block_expression') || node : node)) {
        msg += ' (if this is valid PowerShell: this grammar cannot parse an empty script block `{}`; put a statement in it, e.g. `{ $null }`)';
      }
      out.push(problem(node, 'parse', msg));
      return; // one report per ERROR, not one per token inside it
    }
    if (node.type === 'command' && commandName(node).base === 'param') {
      out.push(problem(node, 'parse', 'param(...) must be the first thing in a script or function'));
    }
    for (const c of node.children) if (c) visit(c);
  };
  visit(tree.rootNode);
  return out;
}

/** True when node holds a "{" token directly followed by "}". */
function hasEmptyBraces(node) {
  const leaves = [...walk(node)].filter((n) => n.childCount === 0 && !n.isMissing && n.type !== 'comment');
  return leaves.some((n, i) => n.text.trim() === '{' && leaves[i + 1] && leaves[i + 1].text.trim() === '}');
}

// -------------------------------------------------------------- parameters

/** The script's own param() block (not a function's), or null. */
function scriptParamBlock(tree) {
  return named(tree.rootNode).find((n) => n.type === 'param_block') || null;
}

/** [{name, mandatory, type, node}] of the script's top-level param() block. */
function scriptParams(tree) {
  const block = scriptParamBlock(tree);
  const list = block && named(block).find((n) => n.type === 'parameter_list');
  if (!list) return [];
  return named(list).filter((n) => n.type === 'script_parameter').map((p) => {
    const variable = named(p).find((n) => n.type === 'variable');
    const attrs = (named(p).find((n) => n.type === 'attribute_list') || { namedChildren: [] });
    let mandatory = false;
    let type = null;
    for (const a of named(attrs).filter((n) => n.type === 'attribute')) {
      const typeLit = named(a).find((n) => n.type === 'type_literal');
      if (typeLit) type = lc(typeLit.text.slice(1, -1).replace(/\s+/g, '').replace(/^system\./, ''));
      const attrName = named(a).find((n) => n.type === 'attribute_name');
      if (!attrName || !/^(system\.management\.automation\.)?parameter(attribute)?$/i.test(attrName.text)) continue;
      for (const arg of [...under(a)].filter((n) => n.type === 'attribute_argument')) {
        const [key, ...rest] = named(arg);
        if (!key || lc(key.text) !== 'mandatory') continue;
        // [Parameter(Mandatory)] means true; otherwise read the value.
        mandatory = rest.length === 0 || /^(\$true|1)$/i.test(rest.map((r) => r.text).join('').trim());
      }
    }
    // Declaring the same attribute twice etc. is PowerShell's business.
    return { name: variable ? variable.text.replace(/^\$\{?/, '').replace(/\}$/, '') : '?', mandatory, type, node: p };
  });
}

// Manifest type -> PowerShell type constraints that bind it faithfully.
const TYPE_OK = {
  string: ['string'],
  int: ['int', 'int32', 'int64', 'long'],
  bool: ['bool', 'boolean', 'switch', 'management.automation.switchparameter'],
  'string[]': ['string[]'],
};

/**
 * (b) The manifest entry's params must equal the script's param() names
 * (order-insensitive, case-sensitive), Mandatory must match required, and a
 * declared [type] must fit the manifest type.
 */
function checkParams(entry, tree) {
  const out = [];
  const at = scriptParamBlock(tree) || tree.rootNode;
  const declared = scriptParams(tree);
  const manifest = entry.params || [];
  const seen = new Set();
  for (const m of manifest) {
    if (seen.has(m.name)) out.push(problem(at, 'manifest', `manifest declares parameter ${m.name} twice`));
    seen.add(m.name);
    const p = declared.find((d) => d.name === m.name);
    if (!p) {
      const other = declared.find((d) => lc(d.name) === lc(m.name));
      out.push(problem(at, 'manifest', `manifest parameter ${m.name} is not in the script's param() block` +
        (other ? ` (the script spells it ${other.name})` : '')));
      continue;
    }
    if (p.mandatory && !m.required) out.push(problem(p.node, 'manifest', `parameter ${p.name} is Mandatory in the script but required: false in the manifest`));
    if (!p.mandatory && m.required) out.push(problem(p.node, 'manifest', `parameter ${p.name} is required: true in the manifest but not Mandatory in the script`));
    if (!p.type) out.push(problem(p.node, 'manifest', `parameter ${p.name} has no [type]; the manifest says ${m.type}`));
    else if (!(TYPE_OK[m.type] || []).includes(p.type)) out.push(problem(p.node, 'manifest', `parameter ${p.name} is [${p.type}] in the script but ${m.type} in the manifest`));
  }
  for (const p of declared) {
    if (!manifest.some((m) => m.name === p.name)) out.push(problem(p.node, 'manifest', `parameter ${p.name} is not in the manifest entry ${entry.name}`));
  }
  return out;
}

/** (b) The bootstrap must take the session nonce as -Nonce. */
function checkBootstrap(tree) {
  if (scriptParams(tree).some((p) => p.name === 'Nonce')) return [];
  return [problem(scriptParamBlock(tree) || tree.rootNode, 'manifest', 'bootstrap does not declare a Nonce parameter')];
}

// -------------------------------------------------------------------- lint

/** (c) Lint rules for embedded scripts. */
function lintScript(tree) {
  return [
    ...ruleHeader(tree),
    ...ruleCommands(tree),
    ...ruleStringCommands(tree),
    ...ruleTextMatch(tree),
    ...rulePs7(tree),
  ];
}

/** Statements at the script's top level (not inside functions or blocks). */
function topStatements(tree) {
  const list = named(tree.rootNode).find((n) => n.type === 'statement_list');
  return list ? named(list) : [];
}

/** The commands of a top-level pipeline statement (pipeline > pipeline_chain > command). */
function topCommands(statement) {
  if (statement.type !== 'pipeline') return [];
  return named(statement).filter((n) => n.type === 'pipeline_chain').flatMap(named).filter((n) => n.type === 'command');
}

/** cmdletbinding, strict-mode, error-action-stop. */
function ruleHeader(tree) {
  const out = [];
  const root = tree.rootNode;
  const block = scriptParamBlock(tree);
  const attrs = block ? named(block).filter((n) => n.type === 'attribute_list').flatMap(named) : [];
  if (!attrs.some((a) => named(a).some((n) => n.type === 'attribute_name' && /^cmdletbinding$/i.test(n.text)))) {
    out.push(problem(block || root, 'cmdletbinding', block ? 'the script\'s param() block has no [CmdletBinding()]' : 'the script has no [CmdletBinding()] param() block'));
  }
  // Both must run in the script's own scope, so only top-level statements count.
  const top = topStatements(tree);
  const strict = top.some((s) => topCommands(s).some((n) => {
    if (commandName(n).base !== 'set-strictmode') return false;
    // -Vers... is Version; shorter prefixes also match -Verbose.
    return commandArgs(n).some((a) => a.param && a.param.length >= 4 && 'version'.startsWith(a.param) &&
      a.value && lc(literalValue(a.value) || '') === 'latest');
  }));
  if (!strict) out.push(problem(root, 'strict-mode', 'no top-level `Set-StrictMode -Version Latest`'));
  const stop = top.some((s) => {
    const assign = named(s).find((n) => n.type === 'assignment_expression');
    if (!assign) return false;
    const [left, op, right] = named(assign);
    return left && /^\$(script:|local:)?ErrorActionPreference$/i.test(left.text.trim()) &&
      op && op.text === '=' && right &&
      /^((['"])Stop\2|\[(System\.)?(Management\.Automation\.)?ActionPreference\]::Stop)$/i.test(right.text.trim());
  });
  if (!stop) out.push(problem(root, 'error-action-stop', "no top-level `$ErrorActionPreference = 'Stop'`"));
  return out;
}

/** no-write-host, no-invoke-expression, no-text-parsing (by command name). */
function ruleCommands(tree) {
  const out = [];
  for (const n of walk(tree.rootNode)) {
    if (n.type !== 'command') continue;
    const name = commandName(n);
    if (name.stem === 'write-host') {
      out.push(problem(n, 'no-write-host', 'Write-Host writes to the host, not to a stream wurepair captures: return data, or use Write-Verbose/Write-Warning'));
    } else if (name.stem === 'invoke-expression' || name.stem === 'iex') {
      out.push(problem(n, 'no-invoke-expression', `${name.raw} runs a string as code`));
    } else if (TEXT_PARSERS[name.stem]) {
      out.push(problem(n, 'no-text-parsing', TEXT_PARSERS[name.stem]));
    }
  }
  return out;
}

/** no-string-command: code or command lines built from strings. */
function ruleStringCommands(tree) {
  const out = [];
  const rule = 'no-string-command';
  // Variables assigned a string built by interpolation or "+" (outside nested commands).
  const built = new Set();
  for (const n of walk(tree.rootNode)) {
    if (n.type !== 'assignment_expression') continue;
    const [left, , right] = named(n);
    if (!left || !right || !/^\$[\w:{}]+$/.test(left.text.trim())) continue;
    const inner = [...under(right, ['command', 'script_block_expression'])];
    const interp = inner.some((x) => x.type === 'string_literal' && interpolated(x));
    const concat = inner.some((x) => x.type === '+') && inner.some((x) => x.type === 'string_literal');
    const v = [...walk(left)].find((x) => x.type === 'variable');
    if (v && (interp || concat)) built.add(varName(v));
  }
  for (const n of walk(tree.rootNode)) {
    if (n.type === 'invokation_expression') {
      const member = named(n).find((x) => x.type === 'member_name');
      const typeLit = named(n).find((x) => x.type === 'type_literal');
      const m = member ? lc(member.text) : '';
      if ((m === 'create' && typeLit && /scriptblock\]$/i.test(typeLit.text)) || m === 'newscriptblock' || m === 'invokescript') {
        out.push(problem(n, rule, `\`${snippet(n, 40)}\` turns a string into code`));
      }
    }
    if (n.type !== 'command') continue;
    const name = commandName(n);
    const expr = named(n).find((x) => x.type === 'command_name_expr');
    const target = expr && named(expr)[0];
    if (target && target.type === 'string_literal' && interpolated(target)) {
      out.push(problem(n, rule, `\`& ${target.text}\` invokes a command named by an interpolated string: build the path with Join-Path into a variable`));
    } else if (target && target.type === 'parenthesized_expression' &&
      [...under(target, ['command'])].some((x) => x.type === '+' || (x.type === 'string_literal' && interpolated(x)))) {
      out.push(problem(n, rule, `\`& ${snippet(target, 40)}\` invokes a command built from strings`));
    } else if (target && target.type === 'path_command_name') {
      const v = named(target).find((x) => x.type === 'variable');
      if (v && built.has(varName(v))) out.push(problem(n, rule, `\`& ${v.text}\` invokes a string built by interpolation or +`));
    }
    if (name.stem === 'cmd' && commandArgs(n).some((a) => a.param === null && /^\/[ck]$/i.test(literalValue(a.value) || ''))) {
      out.push(problem(n, rule, '`cmd /c` runs a command line string; call the program directly with an argument array'));
    }
    if (['start-process', 'saps', 'start'].includes(name.stem)) {
      const args = boundArgs(n, START_PROCESS);
      const file = args.filepath && literalValue(args.filepath);
      if (file && /^cmd(\.exe)?$/i.test(file.split(/[\\/]/).pop())) {
        out.push(problem(n, rule, 'Start-Process cmd runs a command line string; start the program itself'));
      }
      const list = args.argumentlist;
      if (list) {
        // An array of literals and variables is fine; an interpolated string is not.
        const bad = [list, ...under(list, ['command', 'script_block_expression'])].find((x) => x.type === 'string_literal' && interpolated(x));
        if (bad) out.push(problem(bad, rule, `Start-Process -ArgumentList ${bad.text} builds a command line by interpolation; pass an array of literals and variables`));
      }
    }
  }
  return out;
}

const MATCH_OP = /^-[ic]?(not)?(match|like)$/i;

/** no-text-parsing: -match/-like on error messages or native command output. */
function ruleTextMatch(tree) {
  const out = [];
  // Variables that hold such text: $out = & dism.exe ...; $m = $_.Exception.Message.
  // One pass in source order, so $a = $m; $a -match '' is caught too.
  const textVars = new Map();
  for (const n of walk(tree.rootNode)) {
    if (n.type !== 'assignment_expression') continue;
    const [left, , right] = named(n);
    const v = left && [...walk(left)].find((x) => x.type === 'variable');
    const why = v && right && textSource(right, textVars);
    if (why) textVars.set(varName(v), why);
  }
  for (const n of walk(tree.rootNode)) {
    if (n.type !== 'comparison_expression' && n.type !== 'comparison_argument_expression') continue;
    const op = named(n).find((x) => x.type === 'comparison_operator');
    if (!op || !MATCH_OP.test(op.text.trim())) continue;
    const why = textSource(named(n)[0], textVars);
    if (why) out.push(problem(n, 'no-text-parsing', `${op.text.trim()} on ${why}: that text is localized; compare HResult, FullyQualifiedErrorId, exit codes or properties`));
  }
  return out;
}

/** Why an operand is localized text (an error message, a program's output), or null. */
function textSource(operand, textVars) {
  const nodes = [operand, ...under(operand, ['script_block_expression'])];
  for (const x of nodes) {
    if (x.type === 'member_name' && /^(message|exception)$/i.test(x.text.trim())) return `.${x.text.trim()}`;
    if (x.type === 'variable') {
      const v = varName(x);
      if (/message|exception/.test(v)) return `${x.text} (an error message)`;
      if (v === 'error') return '$Error (error messages)';
      if (textVars.has(v)) return `${x.text}, which holds ${textVars.get(v)}`;
    }
    if (x.type === 'command' && isNative(commandName(x))) return `the output of native command ${commandName(x).raw || x.text}`;
  }
  // In a catch block, $_ -match '...' compares the error record's message.
  if (/^\$(_|PSItem)$/i.test(operand.text.trim()) && ancestor(operand, 'catch_clause')) return `${operand.text.trim()} in a catch block (the error message)`;
  return null;
}

/** ps7-only: syntax Windows PowerShell 5.1 cannot run. */
function rulePs7(tree) {
  const out = [];
  const rule = 'ps7-only';
  const report = (node, what) => out.push(problem(node, rule, `${what} is PowerShell 7 only; the target is Windows PowerShell 5.1`));
  for (const n of walk(tree.rootNode)) {
    if (n.type === 'pipeline_chain_tail') report(n, `pipeline chain \`${n.text.trim()}\``);
    if (n.type === 'command') {
      const name = commandName(n);
      if (name.stem === 'clean') report(n, '`clean { }` block');
      if (['foreach-object', 'foreach', '%'].includes(name.stem) &&
        commandArgs(n).some((a) => a.param && a.param.length >= 2 && 'parallel'.startsWith(a.param))) {
        report(n, 'ForEach-Object -Parallel');
      }
    }
    if (n.type === 'generic_token' && lc(n.text.trim()) === 'clean' && n.nextNamedSibling &&
      [...walk(n.nextNamedSibling)].some((x) => x.type === 'script_block_expression')) {
      report(n, '`clean { }` block');
    }
    // Leaf tokens in ERROR nodes: the grammar has no ?. ?[ ?? ??= or ternary.
    if (n.childCount === 0 && (n.isError || (n.parent && n.parent.isError))) {
      const t = n.text.trim();
      const outer = n.parent && n.parent.isError ? n.parent : n;
      const next = outer.nextSibling;
      if (t === '??') report(n, next && next.type === 'assignement_operator' && next.startIndex === n.endIndex ? '`??=`' : '`??` (null-coalescing)');
      else if (t === '?') {
        const after = next ? next.text.trim()[0] : '';
        report(n, after === '.' ? '`?.` (null-conditional member access)' : after === '[' ? '`?[` (null-conditional index)' : '`? :` (ternary operator)');
      } else if (lc(t) === 'clean' && n.type === 'simple_name') report(n, '`clean { }` block');
    }
  }
  return out;
}

module.exports = {
  format, checkSyntax, checkParams, checkBootstrap, lintScript, scriptParams, commandName, TYPE_OK,
};
