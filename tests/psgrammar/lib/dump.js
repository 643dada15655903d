'use strict';
// Prints the syntax tree of a .ps1 file (or of -e 'code'), to learn node types:
//   npm run dump -- path/to/file.ps1
//   npm run dump -- -e '$a ?? 1'
const fs = require('node:fs');
const { parse, position } = require('./grammar');

(async () => {
  const [flag, arg] = process.argv.slice(2);
  const text = flag === '-e' ? arg : fs.readFileSync(flag, 'utf8');
  const tree = await parse(text);
  const print = (n, depth) => {
    const leaf = n.childCount === 0 || n.type === 'variable' || /literal|name$/.test(n.type);
    const mark = (n.isError ? ' ERROR' : '') + (n.isMissing ? ' MISSING' : '');
    const { line, col } = position(n);
    console.log(`${'  '.repeat(depth)}${n.isNamed ? n.type : JSON.stringify(n.type)}${mark} ${line}:${col}${leaf ? ' ' + JSON.stringify(n.text) : ''}`);
    for (const c of n.children) if (c) print(c, depth + 1);
  };
  print(tree.rootNode, 0);
})();
