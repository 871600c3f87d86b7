/** The scanner lives in libs/secrets (used at render time and by the diff previews); re-exported for the suites. */
export {
  formatFindings,
  scanText,
  scanTree,
  scanValue,
  type SecretFinding,
  type SecretRule,
} from '@gitops/secrets';
