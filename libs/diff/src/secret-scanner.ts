/**
 * The one place the preview imports the project's secret scanner from (tools/robustness today; it may move
 * into a library — then only this import changes).
 */
export { scanText, type SecretFinding } from '../../../tools/robustness/src/secret-scan';
