import {
  RISK_LABELS,
  type AppPreview,
  type ObjectChange,
  type PreviewReport,
  type RiskCode,
  type RiskFlag,
} from './types';

export const SIGN: Readonly<Record<ObjectChange['type'], string>> = {
  added: '+',
  removed: '−',
  changed: '~',
  renamed: '⇄',
};

export function shortSha(sha: string | undefined): string {
  return sha ? sha.slice(0, 7) : '';
}

export function refLabel(r: PreviewReport['base']): string {
  return r.sha ? `${r.ref} (${shortSha(r.sha)})` : r.ref;
}

/** `Deployment backend` style label of an object (namespace and group omitted). */
export function shortObject(c: ObjectChange): string {
  return c.type === 'renamed' ? `${c.kind} ${c.previousName}→${c.name}` : `${c.kind} ${c.name}`;
}

export function hasChanges(app: AppPreview): boolean {
  return app.changes.length > 0;
}

/** Risk flags grouped by code: `image changed ×2, replicas lowered`. */
export function riskSummary(risks: readonly RiskFlag[]): string {
  const counts = new Map<RiskCode, number>();
  for (const r of risks) counts.set(r.code, (counts.get(r.code) ?? 0) + 1);
  return [...counts]
    .map(([code, n]) => (n > 1 ? `${RISK_LABELS[code]} ×${n}` : RISK_LABELS[code]))
    .join(', ');
}

/** Up to `max` changed objects as `~ Deployment backend`, then `+N more`. */
export function objectSummary(app: AppPreview, max: number): string {
  if (app.refused) return 'not previewed';
  if (app.error) return 'render failed';
  if (!app.changes.length) return 'no change';
  if (max <= 0) return `${app.changes.length} object${app.changes.length === 1 ? '' : 's'}`;
  const items = app.changes.slice(0, max).map((c) => `${SIGN[c.type]} ${shortObject(c)}`);
  if (app.changes.length > max) items.push(`+${app.changes.length - max} more`);
  return items.join(', ');
}

/** Nothing to preview: no application reached and nothing wrong with the outputs (no comment is posted). */
export function nothingToPreview(report: PreviewReport): boolean {
  return (
    report.apps.length === 0 &&
    (!report.stale || report.stale.status === 'fresh' || report.stale.status === 'not-applicable')
  );
}

export function totals(report: PreviewReport) {
  const t = { added: 0, removed: 0, changed: 0, renamed: 0, risks: 0, changedApps: 0, errors: 0, refused: 0 };
  for (const a of report.apps) {
    t.added += a.counts.added;
    t.removed += a.counts.removed;
    t.changed += a.counts.changed;
    t.renamed += a.counts.renamed;
    t.risks += a.risks.length;
    if (a.changes.length) t.changedApps++;
    if (a.error) t.errors++;
    if (a.refused) t.refused++;
  }
  return t;
}

export function presenceNote(app: AppPreview): string {
  return app.presence === 'added'
    ? ' (new application)'
    : app.presence === 'removed'
      ? ' (application removed)'
      : '';
}

/** Selection reasons as `mini-xdr ← charts/mini-xdr/values-prod.yaml, …`. */
export function selectionLines(report: PreviewReport, maxReasons = 3): string[] {
  const s = report.selection;
  const out: string[] = [];
  for (const [name, reasons] of Object.entries(s.reasons).sort(([a], [b]) => a.localeCompare(b))) {
    const shown = reasons.slice(0, maxReasons);
    const more = reasons.length > maxReasons ? ` (+${reasons.length - maxReasons} more)` : '';
    out.push(`${name} ← ${shown.join(', ')}${more}`);
  }
  return out;
}
