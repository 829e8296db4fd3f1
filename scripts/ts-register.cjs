// Lets a plain `node` child process run the TypeScript sources, as Jest does (SWC to CommonJS):
// `node -r ./scripts/ts-register.cjs -e "require('./x.ts')"`. Used by tests that must signal a
// real process, and to write openapi.json exactly as the tests see it. ESM-only packages (NestJS)
// load through Node's own require(esm).
const { addHook } = require('pirates');
const { transformSync } = require('@swc/core');
const Module = require('node:module');
const fs = require('node:fs');
const path = require('node:path');

const options = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

addHook((code, filename) => transformSync(code, { ...options, filename }).code, {
  exts: ['.ts'],
  ignoreNodeModules: true,
});

// Sources import each other as `./x.js` (ESM style); the file on disk is `./x.ts`.
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  if (parent?.filename?.endsWith('.ts') && request.startsWith('.') && request.endsWith('.js')) {
    const candidate = path.resolve(path.dirname(parent.filename), request.slice(0, -3) + '.ts');
    if (fs.existsSync(candidate)) return candidate;
  }
  return resolve.call(this, request, parent, ...rest);
};
