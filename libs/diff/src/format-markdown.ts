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
import type { AppPreview, ObjectChange, PreviewReport } from './types';

/** GitHub's limit for one issue or pull-request comment. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/** The hidden marker that identifies part `n` of the preview comment. */
export const partMarker = (n: number) => `<!-- gitops-diff-preview part ${n} -->`;

export interface MarkdownOptions {
  /** Maximum characters (UTF-16 code units, which never undercount GitHub's characters) per part; every part is shorter. @default 65536 */
  readonly maxChars?: number;
  /** Title of the comment. */
  readonly title?: string;
}

/** Text for markdown prose and tables: every markdown and HTML meta character escaped, one line. */
export function mdText(s: string): string {
  return s
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]()#+!|~{}])/g, '\\$1');
}

/** A code span that no content can break out of (backticks replaced, pipes escaped for tables, one line). */
export function code(s: string): string {
  return `\`${s
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/`/g, "'")
    .replace(/\|/g, '\\|')}\``;
}

function fenceFor(text: string): string {
  let longest = 0;
  for (const m of text.matchAll(/`{3,}/g)) longest = Math.max(longest, m[0].length);
  return '`'.repeat(Math.max(3, longest + 1));
}

/** A structural frame a line lives in: what re-opens it in the next part and what closes it. */
interface Frame {
  readonly open: string;
  readonly close: string;
}
interface Item {
  readonly text: string;
  readonly frames: readonly Frame[];
}

/** Fold a line longer than `cap`: keep its start (and diff sign), say how much is not shown. Never cuts silently. */
function fold(line: string, cap: number): string {
  if (line.length <= cap) return line;
  const keep = Math.max(20, cap - 80);
  return `${line.slice(0, keep)} … [${(line.length - keep).toLocaleString('en-US')} more characters not shown]`;
}

class Writer {
  readonly items: Item[] = [];
  private frames: Frame[] = [];
  constructor(private readonly cap: number) {}
  line(text = ''): void {
    for (const l of text.split('\n')) this.items.push({ text: fold(l, this.cap), frames: this.frames });
  }
  /** Open a frame: its opening line is written now and repeated at the top of every following part. */
  open(frame: Frame): void {
    this.line(frame.open);
    this.frames = [...this.frames, frame];
  }
  close(): void {
    const f = this.frames[this.frames.length - 1];
    this.line(f.close); // still inside the frame: a split before it re-opens then closes
    this.frames = this.frames.slice(0, -1);
  }
}

function pack(items: readonly Item[], budget: number): string[] {
  const parts: string[] = [];
  let cur = '';
  let frames: readonly Frame[] = [];
  const closing = (fs: readonly Frame[]) =>
    [...fs]
      .reverse()
      .map((f) => `${f.close}\n`)
      .join('');
  for (const it of items) {
    const add = `${it.text}\n`;
    const needed = Math.max(closing(it.frames).length, closing(frames).length);
    if (cur.length && cur.length + add.length + needed > budget) {
      cur += closing(frames);
      parts.push(cur);
      cur = it.frames.map((f) => `${f.open.replace(/<\/summary>$/, ' (continued)</summary>')}\n`).join('');
    }
    cur += add;
    frames = it.frames;
  }
  if (cur.trim()) parts.push(cur + closing(frames));
  return parts;
}

function staleLines(w: Writer, report: PreviewReport): void {
  const s = report.stale;
  if (!s) return;
  if (s.status === 'stale') {
    w.line(
      '❌ **Committed outputs are stale**: the charts/overlays in this change differ from a fresh render of its own sources, ' +
        'so after merge Argo CD would sync something the sources do not say. Run `npm run render` and commit the result. ' +
        'The diff below shows the committed outputs (what Argo CD would sync if this were merged as is).',
    );
    w.line();
    if (s.reason) w.line(`- ${mdText(s.reason)}`);
    for (const f of s.files.slice(0, 50)) w.line(`- ${code(f)}`);
    if (s.files.length > 50) w.line(`- … ${s.files.length - 50} more files`);
    for (const o of s.objects.slice(0, 30)) w.line(`- ${mdText(o)}`);
    if (s.objects.length > 30) w.line(`- … ${s.objects.length - 30} more objects`);
    w.line();
  } else if (s.status === 'skipped') {
    w.line(
      `⚠️ **Stale-output check not run**: ${mdText(s.reason ?? '')}. The committed outputs were not compared with the sources.`,
    );
    w.line();
  } else if (s.status === 'fresh') {
    w.line(
      `✅ Committed outputs match a fresh render of the sources (${s.systems.map(code).join(', ') || 'Argo CD objects'}).`,
    );
    w.line();
  }
}

function riskCell(a: AppPreview): string {
  if (a.refused) return '⛔ not previewed';
  if (a.error) return '❌ render failed';
  if (a.risks.length) return `⚠️ ${mdText(riskSummary(a.risks))}`;
  return a.riskAssessed ? 'none' : 'none (security rules only)';
}

function summary(
  w: Writer,
  report: PreviewReport,
  title: string,
  maxObjects: number,
  maxReasons: number,
): void {
  const t = totals(report);
  w.line(`## ${mdText(title)}`);
  w.line();
  const stale = report.stale?.status === 'stale' ? ' · ❌ **stale outputs**' : '';
  w.line(
    `**Base** ${code(refLabel(report.base))} → **head** ${code(refLabel(report.head))}: ` +
      (report.apps.length
        ? `**${t.changedApps} of ${report.apps.length}** previewed application${report.apps.length === 1 ? '' : 's'} change ` +
          `(${t.added} added, ${t.removed} removed, ${t.changed} changed, ${t.renamed} renamed objects)` +
          (t.risks ? ` · ⚠️ **${t.risks} risk${t.risks === 1 ? '' : 's'}**` : '') +
          (t.errors ? ` · ❌ **${t.errors} render error${t.errors === 1 ? '' : 's'}**` : '') +
          (t.refused ? ` · ⛔ **${t.refused} not previewed**` : '') +
          stale
        : `no application is reached by this change.${stale}`),
  );
  w.line();
  staleLines(w, report);
  if (report.apps.length) {
    w.open({
      open: '| Application | Env | Sync after merge | + | − | ~ | ⇄ | Risk flags | Objects |\n|---|---|---|--:|--:|--:|--:|---|---|',
      close: '',
    });
    for (const a of report.apps) {
      w.line(
        `| ${code(a.application)}${mdText(presenceNote(a))} | ${mdText(a.environment)} | ${mdText(a.role === 'bootstrap' ? 'kubectl apply (by hand)' : (a.syncPolicy ?? '—'))} | ${a.counts.added} | ${a.counts.removed} | ` +
          `${a.counts.changed} | ${a.counts.renamed} | ${riskCell(a)} | ${mdText(objectSummary(a, maxObjects))} |`,
      );
    }
    w.close();
  }
  const reached = selectionLines(report, maxReasons);
  if (reached.length) {
    w.line(`**Reached by:** ${reached.map(mdText).join('; ')}`);
    w.line();
  }
  if (report.notReached.length) {
    w.line(
      `**Not reached** (${report.notReached.length}): ${report.notReached.slice(0, 100).map(code).join(', ')}${report.notReached.length > 100 ? ', …' : ''}`,
    );
    w.line();
  }
  if (report.selection.ignoredFiles.length) {
    w.line(`${report.selection.ignoredFiles.length} changed file(s) reach no application (documentation).`);
    w.line();
  }
  for (const n of report.notes) {
    w.line(`> ℹ️ ${mdText(n)}`);
    w.line();
  }
}

function objectTitle(c: ObjectChange): string {
  const head =
    c.type === 'renamed'
      ? `**${SIGN[c.type]} renamed** ${code(c.previousKey ?? '')} → ${code(c.key)} (${Math.round((c.similarity ?? 0) * 100)}% similar)`
      : `**${SIGN[c.type]} ${c.type}** ${code(c.key)}`;
  const hook = c.hook ? ` · _${mdText(hookText(c.hook))}_` : '';
  const prune = c.prune ? ` · **${mdText(c.prune.message)}**` : '';
  return `${head}${hook}${prune}`;
}

function appDetails(w: Writer, a: AppPreview): void {
  const risk = a.risks.length ? ` · ⚠️ ${a.risks.length} risk${a.risks.length === 1 ? '' : 's'}` : '';
  const err = a.error ? ' · ❌ render failed' : a.refused ? ' · ⛔ not previewed' : '';
  const counts = `+${a.counts.added} −${a.counts.removed} ~${a.counts.changed} ⇄${a.counts.renamed}`;
  w.open({
    open: `<details><summary><b>${mdText(a.application)}</b> (${mdText(a.system)}, ${mdText(a.environment)})${mdText(presenceNote(a))}: ${counts}${risk}${err}</summary>`,
    close: '</details>',
  });
  w.line();
  if (a.refused) {
    w.line(`⛔ **Not previewed:** ${mdText(a.refused)}`);
    w.line();
  }
  if (a.error) {
    const fence = fenceFor(a.error);
    w.line('❌ **Render failed:**');
    w.line();
    w.open({ open: `${fence}text`, close: fence });
    w.line(a.error);
    w.close();
    w.line();
  }
  if (a.risks.length) {
    w.line('**Risks:**');
    for (const r of a.risks) w.line(`- ⚠️ ${code(r.key)}: ${mdText(r.message)}`);
    w.line();
  }
  for (const c of a.changes) {
    w.line(objectTitle(c));
    for (const n of c.notes ?? []) w.line(`- ${mdText(n)}`);
    for (const r of c.risks) w.line(`- ⚠️ ${mdText(r.message)}`);
    w.line();
    const fence = fenceFor(c.diff);
    w.open({ open: `${fence}diff`, close: fence });
    w.line(c.diff);
    w.close();
    w.line();
  }
  w.close();
  w.line();
}

/**
 * Markdown for a pull-request comment, split into parts each shorter than `maxChars` characters.
 * Part 1 starts with the complete summary; every application with changes gets a collapsible `<details>` with
 * one ```diff block per object. Nothing is cut silently: content continues in the next part (details, tables
 * and code fences closed and re-opened), and a single line longer than a part allows is folded with a note of
 * how much is not shown. Never throws for any input size. Returns no part at all when nothing is previewable
 * (no application reached, outputs not stale): the workflow then deletes an earlier comment.
 */
export function formatMarkdown(report: PreviewReport, options: MarkdownOptions = {}): string[] {
  const maxChars = options.maxChars ?? GITHUB_COMMENT_LIMIT;
  const title = options.title ?? 'GitOps diff preview';
  if (maxChars < 2000) throw new RangeError(`maxChars must be at least 2000 (got ${maxChars})`);
  if (nothingToPreview(report)) return [];
  // Room for the marker, the "part N of M" heading and footer, and the frames closed at a split.
  const budget = maxChars - 400;
  const cap = Math.min(2000, Math.floor(budget / 4));

  // The summary should fit in part 1: shrink the per-row object lists and reasons until it does.
  let w = new Writer(cap);
  for (const [objs, reasons] of [
    [5, 3],
    [2, 1],
    [0, 0],
  ] as const) {
    w = new Writer(cap);
    summary(w, report, title, objs, reasons);
    if (w.items.reduce((n, i) => n + i.text.length + 1, 0) <= budget) break;
  }
  for (const app of report.apps) if (hasChanges(app) || app.error || app.refused) appDetails(w, app);
  if (!report.apps.some((a) => hasChanges(a) || a.error || a.refused) && report.apps.length)
    w.line('_No rendered manifest changes._');

  const bodies = pack(w.items, budget);
  const n = bodies.length;
  return bodies.map((body, i) => {
    const marker = partMarker(i + 1);
    const heading =
      i === 0 ? (n > 1 ? `_Part 1 of ${n}._\n\n` : '') : `## ${mdText(title)} (part ${i + 1} of ${n})\n\n`;
    const footer = i < n - 1 ? `\n_Continued in part ${i + 2} of ${n}._\n` : '';
    let text = `${marker}\n${heading}${body.replace(/\n+$/, '\n')}${footer}`;
    // Cannot happen (every line is folded below the budget); a guard that degrades, never a crash.
    if (text.length >= maxChars)
      text = `${text.slice(0, maxChars - 200)}\n\n… [part cut at ${maxChars} characters]\n`;
    return text;
  });
}
