'use strict';
// Loads the real PowerShell grammar (tree-sitter-powershell, compiled to wasm)
// into web-tree-sitter, and gives small helpers to walk the syntax tree.

const { Parser, Language } = require('web-tree-sitter');

let parserPromise;

/** Returns a shared Parser for PowerShell (initialised once). */
function getParser() {
  if (!parserPromise) {
    parserPromise = (async () => {
      await Parser.init();
      const lang = await Language.load(
        require.resolve('tree-sitter-powershell/tree-sitter-powershell.wasm'),
      );
      const parser = new Parser();
      parser.setLanguage(lang);
      return parser;
    })();
  }
  return parserPromise;
}

/** Parses PowerShell source text and returns the tree-sitter Tree. */
async function parse(text) {
  return (await getParser()).parse(text);
}

/** Every node under (and including) node, depth first, in source order. */
function* walk(node) {
  yield node;
  for (const child of node.children) {
    if (child) yield* walk(child);
  }
}

/** The named children of node, without nulls. */
function named(node) {
  return node.namedChildren.filter(Boolean);
}

/**
 * 1-based line and column of the first non-blank character of node. In ERROR
 * nodes the grammar often glues the preceding whitespace to a token (" ??",
 * "\n  clean"), which would otherwise put the report on the wrong line.
 */
function position(node) {
  let { row, column } = node.startPosition;
  const lead = /^\s*/.exec(node.text)[0];
  for (const ch of lead) {
    if (ch === '\n') {
      row++;
      column = 0;
    } else {
      column++;
    }
  }
  return { line: row + 1, col: column + 1 };
}

/** A short one-line excerpt of node's text, for messages. */
function snippet(node, max = 60) {
  const t = node.text.trim().replace(/\s+/g, ' ');
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

module.exports = { getParser, parse, walk, named, position, snippet };
