/**
 * `npm run validate -- [kubeconform flags] FILE|DIR...`: validate manifests exactly like the kubeconform CLI.
 * With no FILE or DIR, validates the whole workspace as Argo CD renders it (see libs/validation/README.md).
 *
 * Runs compiled (tools/cli/bin/validate.cjs). Modules are required on demand so that validating files
 * loads neither the renderers nor (without -environment) the policy engine: start-up stays in tens of ms.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
import type * as Files from '../../../libs/validation/src/kubeconform-cli';

const files: typeof Files = require('../../../libs/validation/src/kubeconform-cli');
const io = {
  stdout: (s: string) => void process.stdout.write(s),
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
  if (!prepared.paths.length) return require('@gitops/validation').runValidateCli(argv, io);
  return files.runValidateFiles(prepared, io, () => ({
    ...require('../../../libs/validation/src/policy'),
    policyContextFor: require('../../../libs/validation/src/workspace').policyContextFor,
  }));
}

process.exitCode = main();
