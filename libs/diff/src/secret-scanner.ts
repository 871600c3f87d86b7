/**
 * The one place the preview imports the project's secret scanner from: `@gitops/secrets` (libs/secrets,
 * the same rules the render refuses secrets with).
 */
export { scanText, type SecretFinding } from '@gitops/secrets';
