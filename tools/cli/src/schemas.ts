/**
 * `npm run schemas -- [-source DIR] [-output DIR] [-kubernetes-version 1.31.0,...]`: generate kubeconform's
 * on-disk schema layout from Kubernetes `_definitions.json` files and CRD schemas (see libs/validation/README.md).
 */
import { runSchemasCli } from '@gitops/validation';

process.exitCode = runSchemasCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
});
