'use strict';
// The repository's real scripts: every .ps1 parses, the embedded ones pass the
// lint rules, and each manifest entry matches its script's param() block.

const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { parse } = require('../lib/grammar');
const { ROOT, SCRIPTS, findPs1, isEmbedded, loadManifest, read } = require('../lib/repo');
const { format, checkSyntax, checkParams, checkBootstrap, lintScript } = require('../lib/checks');

const files = findPs1();
const manifest = loadManifest();

/** Fails with one "file:line:col: [rule] message" line per problem. */
function assertClean(file, problems) {
  assert.deepStrictEqual(problems.map((p) => format(file, p)), [], `${file} has problems`);
}

test('the repository has scripts to check', () => {
  // Guards against a wrong root making every other test pass vacuously.
  assert.ok(files.includes(`scripts/${manifest.bootstrap.file}`), `scripts/${manifest.bootstrap.file} not found under ${ROOT}`);
  assert.ok(manifest.scripts.length > 0, 'manifest lists no scripts');
});

for (const file of files) {
  test(`parse: ${file}`, async () => {
    assertClean(file, checkSyntax(await parse(read(file))));
  });
}

for (const file of files.filter(isEmbedded)) {
  test(`lint: ${file}`, async () => {
    assertClean(file, lintScript(await parse(read(file))));
  });
}

test(`manifest: bootstrap ${manifest.bootstrap.file}`, async () => {
  const file = `scripts/${manifest.bootstrap.file}`;
  assertClean(file, checkBootstrap(await parse(read(file))));
});

for (const entry of manifest.scripts) {
  test(`manifest: ${entry.name} (${entry.file})`, async () => {
    const file = `scripts/${entry.file}`;
    assert.ok(fs.existsSync(path.join(SCRIPTS, entry.file)), `manifest entry ${entry.name} names ${file}, which does not exist`);
    assertClean(file, checkParams(entry, await parse(read(file))));
  });
}

test('manifest: every embedded script has an entry', () => {
  const listed = new Set([manifest.bootstrap.file, ...manifest.scripts.map((s) => s.file)]);
  const missing = files.filter(isEmbedded).map((f) => f.slice('scripts/'.length)).filter((f) => !listed.has(f));
  assert.deepStrictEqual(missing, [], 'scripts/*.ps1 without a manifest entry');
});
