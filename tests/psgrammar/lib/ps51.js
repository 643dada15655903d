'use strict';
// The Windows PowerShell 5.1 command check: every command call in a script is
// checked against 5.1's in-box command inventory (ps51/commands.json; where it
// came from: ps51/README.md) or against the functions the same script defines.
//
// For each call (a `command` node of the syntax tree):
//   - the command exists: a function defined in the same file (scripts run
//     alone, in a local scope of the session runspace; the bootstrap's
//     functions are in another runspace) or in the safety library
//     (scripts/lib/*.ps1, which the bootstrap runs in every request
//     runspace), an alias from ps51/aliases.json, a 5.1 in-box command, or a
//     program in PROGRAMS below;
//   - each named parameter (-Name, -Name:value) resolves as PowerShell 5.1's
//     binder does (MergedCommandParameterMetadata.GetMatchingParameter): an
//     exact name or alias wins; otherwise every parameter whose name or alias
//     starts with what is written matches, and more than one match is
//     ambiguous unless exactly one of them is the command's own (not a common,
//     ShouldProcess or transaction parameter);
//   - no parameter is bound twice;
//   - the named parameters used are together in at least one parameter set
//     (common parameters are in every set);
//   - a literal value of a parameter with accepted values (ValidateSet, enum)
//     is one of them, case-insensitively.
// Rule ids: `ps51` for what 5.1 rejects or cannot run; `param-prefix` for a
// parameter written as a prefix: 5.1 may accept it, but we require the full
// name or an alias (see PREFIX_WHY).
//
// What it cannot check, and so does not: positional arguments (the inventory
// has no positions), pipeline input, splatted arguments (@params: a call with
// a splat still has its command and explicit parameters checked, not its
// parameter set), commands named at run time (& $x, . $x), argument types,
// mandatory parameters, and provider (dynamic) parameters' real availability
// (the inventory lists them with the cmdlet, for every provider).

const fs = require('node:fs');
const path = require('node:path');
const { walk, named, position } = require('./grammar');
const { commandName } = require('./checks');

const DATA = path.join(__dirname, '..', 'ps51');
const COMMANDS_FILE = path.join(DATA, 'commands.json');
const ALIASES_FILE = path.join(DATA, 'aliases.json');

const lc = (s) => s.toLowerCase();

// Programs (native executables) our scripts may call by name, with or without
// .exe. Their arguments are not checked. Add one only with a reason.
const PROGRAMS = {
  regsvr32: 'registers wups2.dll (KB943144); exit code, never text',
};

// Allowances: real 5.1 facts the inventory gets wrong or lacks, keyed by
// lower-case command name, each with its reason:
//   'cmd-name': { why: '...', extraParams: { Name: { aliases?, switch?, acceptedValues? } } }
// (the parameters are added to every set). None is needed today: every call
// in scripts/*.ps1 matches the inventory as it is.
const ALLOWANCES = {};

// Test hooks: commands no script defines and Windows does not have, called
// only on a branch that never runs on Windows. Each says where it is defined
// and why calling it is safe. Keyed by lower-case name; parameters not checked.
// None: product scripts never name a test function (issue 19 item 9). Tests
// replace a safety-library helper (Get-WurKnownFolder) instead.
const TEST_HOOKS = {};

// ActionPreference in Windows PowerShell 5.1 (.NET enum values 0-5; Break,
// 6, is PowerShell 7 only). The inventory lists the common parameters
// without their accepted values.
const ACTION_PREFERENCE = ['SilentlyContinue', 'Stop', 'Continue', 'Inquire', 'Ignore', 'Suspend'];
const COMMON_VALUES = {
  ErrorAction: ACTION_PREFERENCE,
  WarningAction: ACTION_PREFERENCE,
  InformationAction: ACTION_PREFERENCE,
};
// Switches among the common parameters (the others take a value).
const COMMON_SWITCHES = new Set(['verbose', 'debug']);
// Parameters PowerShell binds outside the command's own declared ones
// (ShouldProcess, transactions): they lose a prefix tie against a declared one.
const NOT_DECLARED = new Set(['whatif', 'confirm', 'usetransaction']);

const PREFIX_WHY = 'a prefix binds only while no other parameter starts with it, and later PowerShell versions ' +
  'and providers add parameters; write the full name or an alias';

let inventoryCache;

/** The parsed inventory: {about, commonParameters, commands, aliases, sha256}. */
function loadInventory() {
  if (!inventoryCache) {
    const raw = fs.readFileSync(COMMANDS_FILE);
    const data = JSON.parse(raw.toString('utf8'));
    const commands = new Map();
    for (const [name, c] of Object.entries(data.commands)) commands.set(lc(name), { name, ...c });
    const aliases = new Map();
    for (const [a, target] of Object.entries(JSON.parse(fs.readFileSync(ALIASES_FILE, 'utf8')))) aliases.set(lc(a), target);
    inventoryCache = {
      about: data.about,
      commonParameters: data.commonParameters,
      commands,
      aliases,
      sha256: require('node:crypto').createHash('sha256').update(raw).digest('hex'),
    };
  }
  return inventoryCache;
}

// ---------------------------------------------------------------- specs
//
// A spec describes what a command accepts, from the inventory or from a
// function's param() block:
//   {display, kind, params: [{name, aliases[], switch, declared, common,
//    values[]|null, type}], sets: [{name, params: Set(lc)}] | null (= one set
//    holding everything), advanced}

function isSwitchType(type) {
  return /(^|\.)SwitchParameter$/i.test(type || '') || /^switch$/i.test(type || '');
}

function commonParams(inv) {
  return Object.entries(inv.commonParameters).map(([name, aliases]) => ({
    name, aliases, switch: COMMON_SWITCHES.has(lc(name)), declared: false, common: true,
    values: COMMON_VALUES[name] || null, type: COMMON_VALUES[name] ? 'System.Management.Automation.ActionPreference' : '',
  }));
}

/** Spec of an in-box command (with any allowance applied). */
function inboxSpec(inv, cmd) {
  const params = Object.entries(cmd.parameters).map(([name, p]) => ({
    name, aliases: p.aliases || [], switch: isSwitchType(p.type), declared: !NOT_DECLARED.has(lc(name)),
    common: false, values: p.acceptedValues || null, type: p.type || '',
  }));
  const sets = Object.entries(cmd.parameterSets).map(([name, ps]) => ({ name, params: new Set(ps.map(lc)) }));
  const allow = ALLOWANCES[lc(cmd.name)];
  if (allow && allow.extraParams) {
    for (const [name, p] of Object.entries(allow.extraParams)) {
      params.push({ name, aliases: p.aliases || [], switch: !!p.switch, declared: true, common: false, values: p.acceptedValues || null, type: '' });
      for (const s of sets) s.params.add(lc(name));
    }
  }
  return { display: cmd.name, kind: 'inbox', params: [...params, ...commonParams(inv)], sets, advanced: true };
}

// ------------------------------------------------------ our own functions

/** String values of an attribute's positional arguments, e.g. [Alias('a','b')]. */
function attributeStrings(attr) {
  const out = [];
  for (const arg of [...walk(attr)].filter((n) => n.type === 'attribute_argument')) {
    const kids = named(arg);
    if (kids.length && kids[0].type === 'simple_name' && arg.children.some((c) => c && c.type === '=')) continue;
    for (const lit of [...walk(arg)].filter((n) => n.type === 'string_literal')) out.push(unquote(lit.text));
  }
  return out;
}

/** name=value arguments of an attribute: {lc(name): valueText | true}. */
function attributeNamed(attr) {
  const out = {};
  for (const arg of [...walk(attr)].filter((n) => n.type === 'attribute_argument')) {
    const kids = named(arg);
    if (!kids.length || kids[0].type !== 'simple_name') continue;
    const hasEq = arg.children.some((c) => c && c.type === '=');
    const value = hasEq ? arg.text.slice(arg.text.indexOf('=') + 1).trim() : true;
    out[lc(kids[0].text)] = value;
  }
  return out;
}

/** Text of a quoted string: quotes, and a here-string's first and last line breaks, removed. */
function unquote(s) {
  if (/^@['"‘’‚‛“”„]/.test(s)) return s.replace(/^@['"‘’‚‛“”„][ \t]*\r?\n/, '').replace(/\r?\n['"‘’‚‛“”„]@$/, '');
  return s.replace(/^['"‘’‚‛“”„]/, '').replace(/['"‘’‚‛“”„]$/, '');
}

function attrName(attr) {
  const n = named(attr).find((x) => x.type === 'attribute_name');
  return n ? lc(n.text.replace(/^(System\.Management\.Automation\.)/i, '').replace(/Attribute$/i, '')) : '';
}

/** Specs of the functions a file defines: Map lc(name) -> spec. */
function fileFunctions(tree) {
  const out = new Map();
  for (const fn of walk(tree.rootNode)) {
    if (fn.type !== 'function_statement') continue;
    const nameNode = named(fn).find((n) => n.type === 'function_name');
    if (!nameNode) continue;
    const body = named(fn).find((n) => n.type === 'script_block');
    const block = body && named(body).find((n) => n.type === 'param_block');
    const decl = named(fn).find((n) => n.type === 'function_parameter_declaration');
    const list = (block && named(block).find((n) => n.type === 'parameter_list')) ||
      (decl && named(decl).find((n) => n.type === 'parameter_list'));
    const blockAttrs = block ? named(block).filter((n) => n.type === 'attribute_list').flatMap(named).filter((n) => n.type === 'attribute') : [];
    const binding = blockAttrs.find((a) => attrName(a) === 'cmdletbinding');
    let advanced = !!binding;
    const sp = binding ? attributeNamed(binding).supportsshouldprocess : undefined;
    const shouldProcess = sp === true || /^(\$true|1)$/i.test(String(sp || ''));
    const params = [];
    const setNames = new Set();
    for (const p of list ? named(list).filter((n) => n.type === 'script_parameter') : []) {
      const variable = named(p).find((n) => n.type === 'variable');
      const attrs = named(p).filter((n) => n.type === 'attribute_list').flatMap(named).filter((n) => n.type === 'attribute');
      const spec = { name: variable ? variable.text.replace(/^\$\{?/, '').replace(/\}$/, '') : '?', aliases: [], switch: false, declared: true, common: false, values: null, type: '', sets: [] };
      for (const a of attrs) {
        const typeLit = named(a).find((n) => n.type === 'type_literal');
        if (typeLit) {
          spec.type = typeLit.text.slice(1, -1).trim();
          if (isSwitchType(spec.type)) spec.switch = true;
          continue;
        }
        const an = attrName(a);
        if (an === 'alias') spec.aliases.push(...attributeStrings(a));
        else if (an === 'validateset') spec.values = attributeStrings(a);
        else if (an === 'parameter') {
          advanced = true;
          const set = attributeNamed(a).parametersetname;
          if (typeof set === 'string') {
            const setName = unquote(set);
            spec.sets.push(setName);
            if (setName !== '__AllParameterSets') setNames.add(setName);
          } else spec.sets.push('__AllParameterSets');
        }
      }
      params.push(spec);
    }
    let sets = null;
    if (setNames.size > 0) {
      sets = [...setNames].map((s) => ({
        name: s,
        params: new Set(params.filter((p) => p.sets.length === 0 || p.sets.includes(s) || p.sets.includes('__AllParameterSets')).map((p) => lc(p.name))),
      }));
    }
    const all = params.map(({ sets: _s, ...rest }) => rest);
    if (advanced) {
      all.push(...commonParams(loadInventory()));
      if (shouldProcess) {
        all.push({ name: 'WhatIf', aliases: ['wi'], switch: true, declared: false, common: true, values: null, type: '' });
        all.push({ name: 'Confirm', aliases: ['cf'], switch: true, declared: false, common: true, values: null, type: '' });
      }
    }
    const name = nameNode.text.trim();
    if (!out.has(lc(name))) out.set(lc(name), { display: name, kind: 'ours', params: all, sets, advanced, line: position(fn).line });
  }
  return out;
}

// -------------------------------------------------------------- binding

/**
 * Resolves a written parameter name (without "-") as 5.1's binder does.
 * Returns {param, how: 'exact'|'alias'|'prefix'} or {ambiguous: [params]} or {unknown: true}.
 */
function resolveParam(spec, written) {
  const w = lc(written);
  for (const p of spec.params) if (lc(p.name) === w) return { param: p, how: 'exact' };
  for (const p of spec.params) if (p.aliases.some((a) => lc(a) === w)) return { param: p, how: 'alias' };
  const matches = spec.params.filter((p) => lc(p.name).startsWith(w) || p.aliases.some((a) => lc(a).startsWith(w)));
  if (matches.length === 0) return { unknown: true };
  if (matches.length > 1) {
    const declared = matches.filter((p) => p.declared);
    if (declared.length === 1) return { param: declared[0], how: 'prefix' };
    return { ambiguous: matches };
  }
  return { param: matches[0], how: 'prefix' };
}

/** A generic_token that is really a redirection the grammar did not recognise (2>$null). */
const REDIRECTION = /^([1-6*]?>>?|[1-6*]>&[12])/;

/**
 * The elements of a command: [{kind: 'named', written, node, value, colon}],
 * [{kind: 'positional', node}], [{kind: 'splat', node}]. spec decides which
 * named parameters are switches (they take a value only when written -S:v).
 */
function elements(cmd, spec) {
  const el = named(cmd).find((n) => n.type === 'command_elements');
  if (!el) return [];
  const kids = el.children.filter(Boolean);
  const items = [];
  for (let i = 0; i < kids.length; i++) {
    const n = kids[i];
    if (n.type === 'command_argument_sep') {
      if (n.text.trim() === ':' && items.length && items[items.length - 1].kind === 'param') items[items.length - 1].colon = true;
      continue;
    }
    if (!n.isNamed || ['comment', 'redirection', 'redirections'].includes(n.type)) continue;
    if (n.type === 'generic_token' && REDIRECTION.test(n.text.trim())) continue;
    if (n.type === 'command_parameter') {
      items.push({ kind: 'param', node: n, written: n.text.trim().replace(/^[-–—―]/, '').replace(/:$/, ''), colon: /:$/.test(n.text.trim()) });
      continue;
    }
    // The grammar splits a bare-word array (a,b,c) into tokens ",b" ",c".
    if (n.type === 'generic_token' && n.text.startsWith(',') && items.length && items[items.length - 1].kind === 'value') {
      items[items.length - 1].nodes.push(n);
      continue;
    }
    items.push({ kind: 'value', nodes: [n] });
  }
  const out = [];
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    if (it.kind === 'value') {
      const t = it.nodes[0].text.trim();
      if (it.nodes.length === 1 && /^@[\w:]+$/.test(t)) out.push({ kind: 'splat', node: it.nodes[0] });
      else out.push({ kind: 'positional', node: it.nodes[0] });
      continue;
    }
    const r = spec ? resolveParam(spec, it.written) : { unknown: true };
    let isSwitch;
    if (r.param) isSwitch = r.param.switch;
    else if (r.ambiguous) isSwitch = r.ambiguous.every((p) => p.switch);
    else isSwitch = false;
    const next = items[i + 1];
    const takes = it.colon || (!isSwitch && next && next.kind === 'value');
    const value = takes && next && next.kind === 'value' ? next.nodes : null;
    out.push({ kind: 'named', written: it.written, node: it.node, resolved: r, value, colon: it.colon });
    if (value) i++;
  }
  return out;
}

// Node types a literal argument value may be made of (wrappers, commas, numbers).
const LITERAL_OK = new Set([
  'array_literal_expression', 'unary_expression', 'range_expression', 'format_expression',
  'multiplicative_expression', 'additive_expression', 'comparison_expression', 'bitwise_expression',
  'logical_expression', 'pipeline', 'pipeline_chain', 'statement_list', 'array_expression',
  'parenthesized_expression', 'integer_literal', 'decimal_integer_literal', 'hexadecimal_integer_literal',
  'real_literal', ',', '(', ')', '@(',
]);

/**
 * The literal values of an argument (bare words, quoted strings without
 * interpolation, numbers, and comma lists of those), or null when anything in
 * it is computed at run time.
 */
function literalValues(nodes) {
  const out = [];
  for (const node of nodes) {
    if (node.type === 'generic_token') {
      const t = node.text.trim().replace(/^,/, '');
      if (/[$@(){}`]/.test(t)) return null;
      out.push(...t.split(',').filter((s) => s !== ''));
      continue;
    }
    let ok = true;
    const visit = (n) => {
      if (!ok) return;
      if (n.type === 'string_literal') {
        if ([...walk(n)].some((x) => x.type === 'variable' || x.type === 'sub_expression')) ok = false;
        else out.push(unquote(n.text));
        return;
      }
      if (/integer_literal$|^real_literal$/.test(n.type)) {
        out.push(n.text.trim());
        return;
      }
      if (!LITERAL_OK.has(n.type)) {
        ok = false;
        return;
      }
      // An operator (+, -f, -join...) inside makes it computed.
      for (const c of n.children) if (c && !c.isNamed && !LITERAL_OK.has(c.type)) ok = false;
      for (const c of n.children) if (c && c.isNamed) visit(c);
    };
    visit(node);
    if (!ok) return null;
  }
  return out;
}

/** Whether value v is accepted by parameter p (whose values list is set). */
function acceptsValue(p, v) {
  const values = p.values.map(lc);
  const isString = /^(System\.)?String(\[\])?$/i.test(p.type) || p.type === '';
  // Enums also take their numeric value; we cannot check its range here.
  if (!isString && /^-?(\d+|0x[0-9a-f]+)$/i.test(v.trim())) return true;
  // FlagsExpression (Get-ChildItem -Attributes 'Directory+!Hidden'), and
  // flags enums written 'A, B': every part must be a name.
  const parts = /FlagsExpression/i.test(p.type) ? v.split(/[+!,\s]+/) : !isString ? v.split(/\s*,\s*/) : [v];
  return parts.filter((s) => s.trim() !== '').every((s) => values.includes(lc(s.trim())));
}

// ---------------------------------------------------------------- check

function problem(node, rule, message) {
  return { ...position(node), rule, message };
}

/**
 * Checks every command call in a parsed script. others: Map lc(function
 * name) -> file, of functions other files define (for a better message).
 * library: Map lc(function name) -> spec (fileFunctions) of the safety
 * library's functions, visible to every embedded script.
 * Returns {problems, stats}.
 */
function checkPs51(tree, others = new Map(), library = new Map()) {
  const inv = loadInventory();
  const ours = new Map([...library, ...fileFunctions(tree)]);
  const problems = [];
  const stats = { calls: 0, inbox: 0, ours: 0, alias: 0, program: 0, splatted: 0, dynamic: 0 };
  for (const cmd of walk(tree.rootNode)) {
    if (cmd.type !== 'command') continue;
    const name = commandName(cmd);
    if (name.dynamic) {
      // & $x / & { } / . $x: the command is known only at run time.
      stats.dynamic++;
      continue;
    }
    if (name.base === 'param') continue; // a misplaced param(...) block: the parse rule reports it
    stats.calls++;
    const raw = name.raw.trim();
    const qualified = /^[\w.]+\\[\w]+-[\w]+$/.test(raw) ? raw.split('\\') : null;
    let spec = null;
    let shown = raw;
    let kind = 'inbox';
    if (qualified) {
      const c = inv.commands.get(lc(qualified[1]));
      if (c && lc(c.module) === lc(qualified[0])) spec = inboxSpec(inv, c);
      else if (c) {
        problems.push(problem(cmd, 'ps51', `${raw}: ${c.name} is in module ${c.module} in Windows PowerShell 5.1, not ${qualified[0]}`));
        continue;
      }
    } else if (!name.pathed && inv.aliases.has(name.base)) {
      // PowerShell looks up aliases first, then functions, cmdlets, programs.
      const target = inv.aliases.get(name.base);
      spec = inboxSpec(inv, inv.commands.get(lc(target)));
      shown = `${raw} (${target})`;
      kind = 'alias';
    } else if (!name.pathed && ours.has(name.base)) {
      spec = ours.get(name.base);
    } else if (!name.pathed && inv.commands.has(name.base)) {
      spec = inboxSpec(inv, inv.commands.get(name.base));
    } else if (PROGRAMS[name.stem] && (name.stem === name.base || /\.exe$/.test(name.base))) {
      stats.program++;
      continue;
    } else if (!name.pathed && TEST_HOOKS[name.base]) {
      stats.testHooks = (stats.testHooks || 0) + 1;
      continue;
    }
    if (!spec) {
      let msg = `${raw} is not a Windows PowerShell 5.1 in-box command, a function this script defines, or an allowed program`;
      const elsewhere = others.get(name.base);
      if (elsewhere) msg += ` (it is defined in ${elsewhere}, but each script runs on its own: the bootstrap's and other scripts' functions are not visible)`;
      else if (name.stem !== name.base || name.pathed) msg += ' (programs: see PROGRAMS in lib/ps51.js)';
      problems.push(problem(cmd, 'ps51', msg));
      continue;
    }
    stats[spec.kind === 'ours' ? 'ours' : kind]++;
    checkCall(cmd, spec, shown, problems, stats);
  }
  return { problems, stats };
}

function checkCall(cmd, spec, shown, problems, stats) {
  const els = elements(cmd, spec);
  const splat = els.some((e) => e.kind === 'splat');
  if (splat) stats.splatted++;
  const bound = new Map(); // lc(param name) -> element
  const where = spec.kind === 'ours' ? `function ${spec.display}` : `Windows PowerShell 5.1's ${spec.display}`;
  for (const e of els.filter((x) => x.kind === 'named')) {
    const r = e.resolved;
    if (r.unknown) {
      const own = spec.params.filter((p) => !p.common).map((p) => '-' + p.name);
      const list = own.length === 0 ? 'none' : own.length > 12 ? own.slice(0, 12).join(', ') + ', …' : own.join(', ');
      const simple = spec.kind === 'ours' && !spec.advanced ? '; a simple function would silently put it in $args' : '';
      problems.push(problem(e.node, 'ps51', `${shown}: ${where} has no parameter -${e.written} (its parameters: ${list}${simple})`));
      continue;
    }
    if (r.ambiguous) {
      problems.push(problem(e.node, 'ps51', `${shown}: -${e.written} is ambiguous in ${where}: it could be ${r.ambiguous.map((p) => '-' + p.name).join(', ')}`));
      continue;
    }
    const p = r.param;
    if (r.how === 'prefix') {
      problems.push(problem(e.node, 'param-prefix', `${shown}: -${e.written} is short for -${p.name}; ${PREFIX_WHY}`));
    }
    if (bound.has(lc(p.name))) {
      problems.push(problem(e.node, 'ps51', `${shown}: -${p.name} is bound twice`));
      continue;
    }
    bound.set(lc(p.name), e);
    if (p.values && e.value) {
      const values = literalValues(e.value);
      for (const v of values || []) {
        if (!acceptsValue(p, v)) {
          problems.push(problem(e.node, 'ps51', `${shown}: ${JSON.stringify(v)} is not an accepted value of -${p.name} in ${where} (accepted: ${p.values.join(', ')})`));
        }
      }
    }
  }
  // Parameter sets: the command's own parameters used must share one set.
  if (splat || !spec.sets) return;
  const used = [...bound.keys()].filter((k) => {
    const p = spec.params.find((x) => lc(x.name) === k);
    return p && !p.common;
  });
  if (spec.sets.some((s) => used.every((u) => s.params.has(u)))) return;
  const names = used.map((u) => '-' + spec.params.find((x) => lc(x.name) === u).name);
  const last = bound.get(used[used.length - 1]);
  const what = names.length === 1 ? `${names[0]} is in no parameter set` : `${names.join(' and ')} are not together in any parameter set`;
  problems.push(problem(last ? last.node : cmd, 'ps51', `${shown}: ${what} of ${where} (sets: ${spec.sets.map((s) => s.name).join('; ')})`));
}

module.exports = { loadInventory, checkPs51, fileFunctions, resolveParam, literalValues, PROGRAMS, ALLOWANCES, TEST_HOOKS, COMMANDS_FILE };
