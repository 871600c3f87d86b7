import type { SyncPlan } from './plan';
import { isClusterScoped } from './scope';

/** The plan as a plain-text table: step, phase, wave, kind, name, what Argo CD waits for. */
export function formatPlanTable(plan: SyncPlan, title?: string): string {
  const rows: string[][] = [['step', 'phase', 'wave', 'kind', 'name', 'waits for']];
  for (const s of plan.steps) {
    for (const t of s.tasks) {
      let scoped = false;
      try {
        scoped = isClusterScoped({ group: t.group, kind: t.kind });
      } catch {
        scoped = false;
      }
      const kind = `${t.hook ? 'hook ' : ''}${t.group ? `${t.group}/` : ''}${t.kind}`;
      const name = scoped ? t.name : `${t.namespace}/${t.name}`;
      const wait = !s.awaited
        ? s.phase === 'SyncFail'
          ? 'runs only if the sync fails'
          : `${t.waitsFor ? `${t.waitsFor}, ` : ''}not awaited (last step)`
        : (t.waitsFor ?? '-');
      rows.push([
        String(s.index + 1),
        s.phase,
        String(s.wave),
        kind,
        name,
        t.note ? `${wait}; ${t.note}` : wait,
      ]);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [line(rows[0]), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)];
  return `${title ? `${title}\n` : ''}${out.join('\n')}\n`;
}
