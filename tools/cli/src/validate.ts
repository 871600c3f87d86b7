/**
 * `npm run validate -- [kubeconform flags] FILE|DIR...`: validate manifests exactly like the kubeconform CLI.
 * With no FILE or DIR, validates the whole workspace as Argo CD renders it (see libs/validation/README.md),
 * then checks every Application's sync plan (libs/sync-plan): exit 1 if an object needs something that
 * does not exist yet at its step.
 */
import { runValidateCli } from '@gitops/validation';
import { syncPlanExitCode } from './validate-sync-plan';

const argv = process.argv.slice(2);
const io = { stdout: (s: string) => process.stdout.write(s), stderr: (s: string) => process.stderr.write(s) };
let code = runValidateCli(argv, io);
if (code === 0 || code === 1) code = Math.max(code, syncPlanExitCode(argv, io));
process.exitCode = code;
