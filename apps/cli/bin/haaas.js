#!/usr/bin/env node
// The `haaas` command: runs the TypeScript sources with swc (as the project's other entry points do).
const path = require('node:path');
const Module = require('node:module');
process.env.SWC_NODE_PROJECT ??= path.join(__dirname, '..', '..', '..', 'tsconfig.json');
require('@swc-node/register');
// the SDK's sources import each other as `./x.js` (what Node's ES module loader needs); here they are .ts
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  try {
    return resolve.call(this, request, parent, ...rest);
  } catch (error) {
    if (!request.startsWith('.') || !request.endsWith('.js')) throw error;
    return resolve.call(this, `${request.slice(0, -3)}.ts`, parent, ...rest);
  }
};
require('../src/main.ts').main();
