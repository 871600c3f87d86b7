import {
  hasChanges,
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
  /** Maximum characters (UTF-16 code units, which never undercount GitHub's characters) per part. @default 65536 */
  readonly maxChars?: number;
  /** Title of the comment. */
  readonly title?: string;
}

/** Space reserved in every part for its marker, heading and continuation footer. */
const PART_RESERVE = 400;
const CLOSE = '\n</details>\n\n';

const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const code = (s: string) => `\`${s.replace(/`/g, "'")}\``;

function fenceFor(text: string): string {
  let longest = 0;
  for (const m of text.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  return '`'.repeat(Math.max(3, longest + 1));
}

function counts(a: AppPreview): string {
  return `+${a.counts.added} −${a.counts.removed} ~${a.counts.changed} ⇄${a.counts.renamed}`;
}

function summary(report: PreviewReport, title: string, maxObjects: number, maxReasons: number): string {
  const t = totals(report);
  const lines: string[] = [];
  lines.push(`## ${title}`, '');
  lines.push(
    `**Base** ${code(refLabel(report.base))} → **head** ${code(refLabel(report.head))}: ` +
      (report.apps.length
        ? `**${t.changedApps} of ${report.apps.length}** previewed application${report.apps.length === 1 ? '' : 's'} change ` +
          `(${t.added} added, ${t.removed} removed, ${t.changed} changed, ${t.renamed} renamed objects)` +
          (t.risks ? ` · ⚠️ **${t.risks} production risk${t.risks === 1 ? '' : 's'}**` : '') +
          (t.errors ? ` · ❌ **${t.errors} render error${t.errors === 1 ? '' : 's'}**` : '')
        : 'no application is reached by this change, nothing to preview.'),
  );
  lines.push('');
  if (report.apps.length) {
    lines.push('| Application | Env | + | − | ~ | ⇄ | Risk flags (prod) | Objects |');
    lines.push('|---|---|--:|--:|--:|--:|---|---|');
    for (const a of report.apps) {
      const risk = a.error
        ? '❌ render failed'
        : a.risks.length
          ? `⚠️ ${riskSummary(a.risks)}`
          : a.riskAssessed
            ? 'none'
            : '—';
      lines.push(
        `| ${code(a.application)}${presenceNote(a)} | ${a.environment} | ${a.counts.added} | ${a.counts.removed} | ` +
          `${a.counts.changed} | ${a.counts.renamed} | ${esc(risk)} | ${esc(objectSummary(a, maxObjects))} |`,
      );
    }
    lines.push('');
  }
  const reached = selectionLines(report, maxReasons);
  if (reached.length) lines.push(`**Reached by:** ${reached.map(esc).join('; ')}`, '');
  if (report.notReached.length) {
    lines.push(
      `**Not reached** (${report.notReached.length}): ${report.notReached.map(code).join(', ')}`,
      '',
    );
  }
  if (report.selection.ignoredFiles.length) {
    lines.push(
      `${report.selection.ignoredFiles.length} changed file(s) reach no application (docs/markdown).`,
      '',
    );
  }
  for (const n of report.notes) lines.push(`> ℹ️ ${esc(n)}`, '');
  return lines.join('\n');
}

interface Block {
  heading: string;
  /** Lines inside the fenced diff block. */
  lines: string[];
  fence: string;
}

function objectBlock(c: ObjectChange): Block {
  const title =
    c.type === 'renamed'
      ? `**${SIGN[c.type]} renamed** ${code(c.previousKey ?? '')} → ${code(c.key)} (${Math.round((c.similarity ?? 0) * 100)}% similar)`
      : `**${SIGN[c.type]} ${c.type}** ${code(c.key)}`;
  const risks = c.risks.map((r) => `\n- ⚠️ ${esc(r.message)}`).join('');
  return { heading: `${title}${risks}\n\n`, lines: c.diff.split('\n'), fence: fenceFor(c.diff) };
}

function appSummary(a: AppPreview, continued: boolean): string {
  const risk = a.risks.length ? ` · ⚠️ ${a.risks.length} risk${a.risks.length === 1 ? '' : 's'}` : '';
  const err = a.error ? ' · ❌ render failed' : '';
  return `<details><summary><b>${esc(a.application)}</b> (${esc(a.system)}, ${esc(a.environment)})${presenceNote(a)}: ${counts(a)}${risk}${err}${continued ? ' (continued)' : ''}</summary>\n\n`;
}

/** Packs text into parts of at most `budget` characters, closing and reopening `<details>` across parts. */
class Packer {
  readonly parts: string[] = [];
  cur = '';
  reopen: string | undefined;
  constructor(readonly budget: number) {}
  room(): number {
    return this.budget - this.cur.length - (this.reopen !== undefined ? CLOSE.length : 0);
  }
  newPart(): void {
    if (this.reopen !== undefined) this.cur += CLOSE;
    this.parts.push(this.cur);
    this.cur = this.reopen ?? '';
  }
  /** Append text that must stay whole; starts a new part when it does not fit. Returns false if it fits in no part. */
  addWhole(text: string): boolean {
    if (text.length > this.room()) {
      if (!this.cur.length || this.cur === this.reopen) return false;
      this.newPart();
      if (text.length > this.room()) return false;
    }
    this.cur += text;
    return true;
  }
  finish(): string[] {
    if (this.cur.length) this.parts.push(this.cur);
    return this.parts;
  }
}

/** Append a diff block, splitting its lines over parts when it does not fit; lines longer than a part are cut visibly. */
function addBlock(p: Packer, b: Block): void {
  const whole = `${b.heading}${b.fence}diff\n${b.lines.join('\n')}\n${b.fence}\n\n`;
  if (whole.length <= p.room()) {
    p.cur += whole;
    return;
  }
  // Start on a fresh part if that lets it stay whole.
  const fresh = p.budget - (p.reopen?.length ?? 0) - (p.reopen !== undefined ? CLOSE.length : 0);
  if (whole.length <= fresh) {
    p.newPart();
    p.cur += whole;
    return;
  }
  const maxLine = Math.max(200, fresh - b.heading.length - 200);
  const lines = b.lines.map((l) =>
    l.length > maxLine ? `${l.slice(0, maxLine - 80)} … [line cut: ${l.length} characters]` : l,
  );
  let i = 0;
  let piece = 0;
  while (i < lines.length) {
    const head = piece === 0 ? b.heading : `${b.heading.split('\n')[0]} (continued, from line ${i + 1})\n\n`;
    const open = `${head}${b.fence}diff\n`;
    const close = `${b.fence}\n\n`;
    let room = p.room() - open.length - close.length;
    if (room < Math.min(lines[i].length + 1, 400)) {
      p.newPart();
      room = p.room() - open.length - close.length;
    }
    let body = '';
    while (i < lines.length && body.length + lines[i].length + 1 <= room) body += `${lines[i++]}\n`;
    if (!body) body = `${lines[i++]}\n`; // cannot happen with maxLine < room; keeps the loop finite
    p.cur += open + body + close;
    piece++;
  }
}

/**
 * Markdown for a pull-request comment, split into parts of at most `maxChars` characters each.
 * Part 1 starts with the complete summary table; every application with changes gets a collapsible
 * `<details>` with one ```diff block per object. Nothing is cut silently: oversized content continues in the
 * next part, and each part carries the hidden marker {@link partMarker} and a "part N of M" heading.
 */
export function formatMarkdown(report: PreviewReport, options: MarkdownOptions = {}): string[] {
  const maxChars = options.maxChars ?? GITHUB_COMMENT_LIMIT;
  const title = options.title ?? 'GitOps diff preview';
  if (maxChars < 2000) throw new RangeError(`maxChars must be at least 2000 (got ${maxChars})`);
  const budget = maxChars - PART_RESERVE;

  // The summary must fit in part 1: shrink the per-row object lists and reasons until it does.
  let head = '';
  for (const [objs, reasons] of [
    [5, 3],
    [2, 1],
    [0, 0],
  ] as const) {
    head = summary(report, title, objs, reasons);
    if (head.length <= budget) break;
  }
  const p = new Packer(budget);
  if (head.length <= budget) p.cur = head;
  else {
    // Pathological (thousands of applications): continue the table in the following parts, saying so.
    const rows = head.split('\n');
    for (const r of rows) {
      const line = `${r}\n`;
      if (line.length > p.room()) p.newPart();
      p.cur += line.length > budget ? `${line.slice(0, budget - 100)} … [line cut]\n` : line;
    }
    p.cur += '\n';
  }

  for (const app of report.apps) {
    if (!hasChanges(app) && !app.error) continue;
    const opener = appSummary(app, false);
    let intro = '';
    if (app.error)
      intro += `❌ **Render failed:**\n\n${fenceFor(app.error)}text\n${app.error}\n${fenceFor(app.error)}\n\n`;
    if (app.risks.length)
      intro += `**Production risks:**\n${app.risks.map((r) => `- ⚠️ ${code(r.key)}: ${esc(r.message)}`).join('\n')}\n\n`;
    // Opener + intro + at least some room must fit; otherwise start a fresh part.
    if (p.room() < opener.length + Math.min(intro.length, 2000) + CLOSE.length + 500) p.newPart();
    p.cur += opener;
    p.reopen = appSummary(app, true);
    for (const line of intro.split(/(?<=\n)/)) {
      if (!p.addWhole(line)) p.cur += `${line.slice(0, Math.max(0, p.room() - 40))} … [cut]\n`;
    }
    for (const c of app.changes) addBlock(p, objectBlock(c));
    p.reopen = undefined;
    p.cur += CLOSE;
  }
  if (!report.apps.some((a) => hasChanges(a) || a.error))
    p.cur += report.apps.length ? '_No rendered manifest changes._\n' : '';

  const bodies = p.finish();
  const n = bodies.length;
  return bodies.map((body, i) => {
    const marker = partMarker(i + 1);
    const heading =
      i === 0 ? (n > 1 ? `_Part 1 of ${n}._\n\n` : '') : `## ${title} (part ${i + 1} of ${n})\n\n`;
    const footer = i < n - 1 ? `\n_Continued in part ${i + 2} of ${n}._\n` : '';
    const text = `${marker}\n${heading}${body.replace(/\n+$/, '\n')}${footer}`;
    if (text.length > maxChars)
      throw new Error(`internal: markdown part ${i + 1} has ${text.length} > ${maxChars} characters`);
    return text;
  });
}
