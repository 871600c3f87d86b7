/**
 * `npm run validate -- [kubeconform flags] FILE|DIR...`: validate manifests exactly like the kubeconform CLI.
 * With no FILE or DIR, validates the whole workspace as Argo CD renders it (see libs/validation/README.md),
 * then checks every Application's sync plan (libs/sync-plan): exit 1 if an object needs something that
 * does not exist yet at its step.
 *
 * Runs compiled (tools/cli/bin/validate.cjs). Modules are required on demand so that validating files
 * loads neither the renderers, the sync plan nor (without -environment) the policy engine: start-up stays
 * in tens of milliseconds.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
import type * as Files from '../../../libs/validation/src/kubeconform-cli';

const files: typeof Files = require('../../../libs/validation/src/kubeconform-cli');
import { writeSync } from 'node:fs';

/**
 * Results go straight to file descriptor 1: `process.stdout` would load the stream machinery (and `net` for a
 * pipe) at start-up. A reader that went away (EPIPE) ends the output, as it ends kubeconform's.
 */
let stdoutClosed = false;
function writeStdout(s: string): void {
  if (stdoutClosed || s === '') return;
  let buf = Buffer.from(s, 'utf8');
  while (buf.length > 0) {
    try {
      buf = buf.subarray(writeSync(1, buf));
    } catch (e: any) {
      if (e?.code === 'EAGAIN') continue; // a non-blocking pipe that is full: retry
      if (e?.code === 'EPIPE') {
        stdoutClosed = true;
        return;
      }
      throw e;
    }
  }
}
const io = {
  stdout: writeStdout,
  stderr: (s: string) => void process.stderr.write(s),
};
const argv = process.argv.slice(2);

function main(): number {
  let prepared: Files.Prepared;
  try {
    prepared = files.prepareValidate(argv, io);
  } catch (err) {
    return files.reportCliError(err, io);
  }
  if (prepared.exit !== undefined) return prepared.exit;
  if (prepared.paths.length) {
    return files.runValidateFiles(prepared, io, () => ({
      ...require('../../../libs/validation/src/policy'),
      policyContextFor: require('../../../libs/validation/src/workspace').policyContextFor,
    }));
  }
  const code: number = require('@gitops/validation').runValidateCli(argv, io);
  return code === 0 || code === 1
    ? Math.max(code, require('./validate-sync-plan').syncPlanExitCode(argv, io))
    : code;
}

process.exitCode = main();
