'use strict';
// Finds the repository's PowerShell files and the scripts manifest.

const fs = require('node:fs');
const path = require('node:path');

/** The repository root: this project lives in <root>/tests/psgrammar. */
const ROOT = path.resolve(__dirname, '..', '..', '..');
const SCRIPTS = path.join(ROOT, 'scripts');

/** Every *.ps1 under root (relative, '/'-separated), skipping node_modules and dot dirs. */
function findPs1(root = ROOT) {
  const out = [];
  const visit = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && !e.name.startsWith('.')) visit(path.join(dir, e.name));
      } else if (/\.ps1$/i.test(e.name)) {
        out.push(path.relative(root, path.join(dir, e.name)).split(path.sep).join('/'));
      }
    }
  };
  visit(root);
  return out.sort();
}

/** True for the scripts embedded in the binary: scripts/*.ps1 except Pester tests. */
function isEmbedded(rel) {
  return /^scripts\/[^/]+\.ps1$/i.test(rel) && !/\.Tests\.ps1$/i.test(rel);
}

/** True for the safety library: scripts/lib/*.ps1 (the bootstrap carries it). */
function isLibrary(rel) {
  return /^scripts\/lib\/[^/]+\.ps1$/i.test(rel);
}

function loadManifest() {
  return JSON.parse(fs.readFileSync(path.join(SCRIPTS, 'manifest.json'), 'utf8'));
}

/** Reads a script as PowerShell would: UTF-8, byte-order mark dropped. */
function read(rel) {
  return fs.readFileSync(path.join(ROOT, rel), 'utf8').replace(/^\uFEFF/, '');
}

module.exports = { ROOT, SCRIPTS, findPs1, isEmbedded, isLibrary, loadManifest, read };
