#!/usr/bin/env node
/**
 * `node tools/cli/bin/gitops.cjs <command> [args...]`: the compiled command-line tools (what `npm run <command>`
 * runs). Each command is its TypeScript entry point loaded through the content-addressed compile cache
 * (ts-hook.cjs): nothing is transpiled at start, and a command loads only the modules it imports.
 * `validate` keeps its single-file bundle (validate.cjs, compiled.cjs), the fastest start for one-file validation.
 */
'use strict';
const COMMANDS = {
  render: ['tools/cli/src/render.ts'],
  check: ['tools/cli/src/render.ts', '--check'],
  'chart-version': ['tools/cli/src/chart-version.ts'],
  plan: ['tools/cli/src/plan.ts'],
  schemas: ['tools/cli/src/schemas.ts'],
  diff: ['tools/cli/src/diff.ts'],
  images: ['tools/cli/src/images.ts'],
  promote: ['tools/cli/src/promote.ts'],
  'lock:platforms': ['tools/cli/src/lockfile-platforms.ts'],
  'render-argocd': ['tools/nx-plugin/src/render-argocd.ts'],
  'validate-system': ['tools/nx-plugin/src/validate-system.ts'],
  'project-map': ['tools/nx-plugin/src/project-map.ts'],
  shard: ['tools/nx-plugin/src/shard.ts'],
};

function main() {
  const [command, ...args] = process.argv.slice(2);
  if (command === 'validate') {
    process.argv = [process.argv[0], process.argv[1], ...args];
    require('./validate.cjs');
  } else if (Object.hasOwn(COMMANDS, command ?? '')) {
    const [file, ...fixed] = COMMANDS[command];
    require('./ts-hook.cjs').runMain(file, [...fixed, ...args]);
  } else {
    process.stderr.write(
      `gitops: unknown command ${command === undefined ? '(none)' : JSON.stringify(command)}; one of: validate, ${Object.keys(COMMANDS).join(', ')}\n`,
    );
    process.exitCode = 1;
  }
}

if (require.main === module) main();

module.exports = { COMMANDS };
