/** The one place the preview imports the project's secret scanner from (`@gitops/secrets`, libs/secrets). */
export { scanText, type SecretFinding } from '@gitops/secrets';
