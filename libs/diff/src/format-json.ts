import type { PreviewReport } from './types';
import { totals } from './summary';

/** The report as JSON for tools (`schemaVersion` 1). Secrets are already masked in the report. */
export function formatJson(report: PreviewReport): string {
  return `${JSON.stringify({ schemaVersion: 1, totals: totals(report), ...report }, null, 2)}\n`;
}
