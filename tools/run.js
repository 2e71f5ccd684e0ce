// Runs a TypeScript entry point with swc (decorator metadata and tsconfig paths included), so the
// project needs no separate build step in development, tests and `npm start`.
const path = require('node:path');
process.env.SWC_NODE_PROJECT ??= path.join(__dirname, '..', 'tsconfig.json');
require('@swc-node/register');
const [, , entry, ...rest] = process.argv;
if (!entry) {
  console.error('usage: node tools/run.js <file.ts> [args...]');
  process.exit(2);
}
process.argv = [process.argv[0], path.resolve(entry), ...rest];
require(path.resolve(entry));
