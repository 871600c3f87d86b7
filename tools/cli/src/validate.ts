/**
 * `npm run validate -- [kubeconform flags] FILE|DIR...`: validate manifests exactly like the kubeconform CLI.
 * With no FILE or DIR, validates the whole workspace as Argo CD renders it (see libs/validation/README.md).
 * Runs compiled (tools/cli/bin/validate.cjs); the command module is imported directly rather than through
 * the library index so that validating files loads neither the renderers nor the policy engine.
 */
import { runValidateCli } from '../../../libs/validation/src/cli';

process.exitCode = runValidateCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
});
