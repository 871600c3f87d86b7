import { createColors } from 'picocolors';
import { hookText } from './argo-semantics';
import {
  hasChanges,
  nothingToPreview,
  objectSummary,
  presenceNote,
  refLabel,
  riskSummary,
  selectionLines,
  SIGN,
  totals,
} from './summary';
import type { PreviewReport } from './types';

export interface TextOptions {
  /** ANSI colours (use when writing to a TTY). @default false */
  readonly color?: boolean;
}

/** Plain unified text for terminals: summary table, then per application the per-object diffs. */
export function formatText(report: PreviewReport, options: TextOptions = {}): string {
  const c = createColors(!!options.color);
  const t = totals(report);
  const out: string[] = [];
  if (nothingToPreview(report)) return 'Nothing to preview: no application is reached by this change.\n';
  out.push(c.bold(`GitOps diff preview: ${refLabel(report.base)} → ${refLabel(report.head)}`));
  out.push(
    `${t.changedApps} of ${report.apps.length} previewed application(s) change: ` +
      `${c.green(`+${t.added}`)} ${c.red(`−${t.removed}`)} ${c.yellow(`~${t.changed}`)} ${c.cyan(`⇄${t.renamed}`)}` +
      (t.risks ? c.red(` ⚠ ${t.risks} production risk(s)`) : '') +
      (t.errors ? c.red(` ✗ ${t.errors} render error(s)`) : '') +
      (t.refused ? c.red(` ⛔ ${t.refused} not previewed`) : ''),
  );
  const st = report.stale;
  if (st?.status === 'stale') {
    out.push(
      c.red(
        c.bold(
          'STALE OUTPUTS: the committed charts/overlays differ from a fresh render of the sources (run npm run render and commit):',
        ),
      ),
    );
    if (st.reason) out.push(c.red(`  ${st.reason}`));
    for (const f of st.files) out.push(c.red(`  ${f}`));
    for (const o of st.objects) out.push(c.red(`  ${o}`));
  } else if (st?.status === 'skipped') out.push(c.yellow(`  stale-output check not run: ${st.reason}`));
  else if (st?.status === 'fresh')
    out.push(c.dim(`  outputs match a fresh render of ${st.systems.join(', ') || 'the Argo CD sources'}`));
  for (const line of selectionLines(report)) out.push(c.dim(`  reached: ${line}`));
  if (report.notReached.length) out.push(c.dim(`  not reached: ${report.notReached.length} application(s)`));
  for (const n of report.notes) out.push(c.yellow(`  note: ${n}`));
  out.push('');

  if (report.apps.length) {
    const header = ['APPLICATION', 'ENV', '+', '−', '~', '⇄', 'RISK', 'OBJECTS'];
    const rows = report.apps.map((a) => [
      a.application + presenceNote(a),
      a.environment,
      String(a.counts.added),
      String(a.counts.removed),
      String(a.counts.changed),
      String(a.counts.renamed),
      a.refused ? 'NOT PREVIEWED' : a.error ? 'ERROR' : a.risks.length ? `⚠ ${riskSummary(a.risks)}` : '-',
      objectSummary(a, 4),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const fmt = (r: string[]) => r.map((v, i) => (i === r.length - 1 ? v : v.padEnd(widths[i]))).join('  ');
    out.push(c.bold(fmt(header)));
    for (const r of rows) out.push(r[6] !== '-' ? c.red(fmt(r)) : fmt(r));
    out.push('');
  }

  for (const app of report.apps) {
    if (!hasChanges(app) && !app.error && !app.refused) continue;
    out.push(
      c.bold(c.cyan(`=== ${app.application} (${app.system}, ${app.environment})${presenceNote(app)} ===`)),
    );
    if (app.refused) out.push(c.red(`not previewed: ${app.refused}`));
    if (app.error) out.push(c.red(`render error: ${app.error}`));
    for (const r of app.risks) out.push(c.red(`⚠ ${r.key}: ${r.message}`));
    for (const ch of app.changes) {
      const title =
        ch.type === 'renamed'
          ? `${ch.previousKey} → ${ch.key} (${Math.round((ch.similarity ?? 0) * 100)}% similar)`
          : ch.key;
      out.push(
        c.bold(
          `${SIGN[ch.type]} ${ch.type} ${title}${ch.hook ? ` [${hookText(ch.hook)}]` : ''}${ch.prune ? ` — ${ch.prune.message}` : ''}`,
        ),
      );
      for (const n of ch.notes ?? []) out.push(c.yellow(`  ${n}`));
      for (const line of ch.diff.split('\n')) {
        if (line.startsWith('@@')) out.push(c.cyan(line));
        else if (line.startsWith('+')) out.push(c.green(line));
        else if (line.startsWith('-')) out.push(c.red(line));
        else out.push(line);
      }
      out.push('');
    }
  }
  if (!report.apps.some((a) => hasChanges(a) || a.error)) out.push('No rendered manifest changes.');
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}
