#!/usr/bin/env node
// `npm run validate`: the compiled validate command (see compiled.cjs).
require('./compiled.cjs').run('validate');
