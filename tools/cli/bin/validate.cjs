#!/usr/bin/env node
// `npm run validate`: the compiled validate command (see compiled.cjs).
require(require('./compiled.cjs').ensureBuilt('validate'));
