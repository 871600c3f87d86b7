/**
 * `npm run validate -- [kubeconform flags] FILE|DIR...`: validate manifests exactly like the kubeconform CLI.
 * With no FILE or DIR, validates the whole workspace as Argo CD renders it (see libs/validation/README.md).
 */
import { runValidateCli } from '@gitops/validation';

process.exitCode = runValidateCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
});
