/** kubeconform's output formats: text, json, junit and tap, byte for byte where kubeconform is deterministic. */
import type { ValidationResult } from './validator';

export type OutputFormat = 'text' | 'json' | 'junit' | 'tap';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'json', 'junit', 'tap'];

export interface FormatOptions {
  /** `-summary`: the summary line (text), the `summary` object (json). */
  readonly summary?: boolean;
  /** `-verbose`: also list valid and skipped resources (text, json). */
  readonly verbose?: boolean;
  /**
   * Name resources by `apiVersion/Kind namespace/name` instead of kubeconform's `Kind name` in text output
   * (used for rendered sources, where several releases share a kind and name).
   */
  readonly resourceIds?: boolean;
  /** `stdin` wording of the summary line. */
  readonly stdin?: boolean;
  /** JUnit `time` attribute in seconds. @default 0 (deterministic output) */
  readonly seconds?: number;
}

export interface Summary {
  readonly resources: number;
  readonly files: number;
  readonly valid: number;
  readonly invalid: number;
  readonly errors: number;
  readonly skipped: number;
}

export function summarize(results: readonly ValidationResult[]): Summary {
  const files = new Set<string>();
  let valid = 0;
  let invalid = 0;
  let errors = 0;
  let skipped = 0;
  for (const r of results) {
    files.add(r.filename);
    if (r.status === 'statusValid') valid++;
    else if (r.status === 'statusInvalid') invalid++;
    else if (r.status === 'statusError') errors++;
    else if (r.status === 'statusSkipped') skipped++;
  }
  return {
    resources: valid + invalid + errors + skipped,
    files: files.size,
    valid,
    invalid,
    errors,
    skipped,
  };
}

/** kubeconform's exit status: 1 when any resource is invalid or errored. */
export function exitCode(results: readonly ValidationResult[]): 0 | 1 {
  return results.some((r) => r.status === 'statusInvalid' || r.status === 'statusError') ? 1 : 0;
}

export function summaryLine(s: Summary, stdin = false): string {
  const rp = s.resources > 1 ? 's' : '';
  const fp = s.files > 1 ? 's' : '';
  const counts = `Valid: ${s.valid}, Invalid: ${s.invalid}, Errors: ${s.errors}, Skipped: ${s.skipped}`;
  return stdin
    ? `Summary: ${s.resources} resource${rp} found parsing stdin - ${counts}`
    : `Summary: ${s.resources} resource${rp} found in ${s.files} file${fp} - ${counts}`;
}

/** `apiVersion/Kind namespace/name`. */
export function resourceId(r: Pick<ValidationResult, 'version' | 'kind' | 'namespace' | 'name'>): string {
  return `${r.version ? r.version + '/' : ''}${r.kind} ${r.namespace ? r.namespace + '/' : ''}${r.name}`;
}

function text(results: readonly ValidationResult[], o: FormatOptions): string {
  const lines: string[] = [];
  for (const r of results) {
    const id = o.resourceIds ? resourceId(r) : `${r.kind} ${r.name}`;
    switch (r.status) {
      case 'statusValid':
        if (o.verbose) lines.push(`${r.filename} - ${id} is valid`);
        break;
      case 'statusInvalid':
        lines.push(`${r.filename} - ${id} is invalid: ${r.msg}`);
        break;
      case 'statusError':
        lines.push(
          r.kind !== '' && r.name !== ''
            ? `${r.filename} - ${id} failed validation: ${r.msg}`
            : `${r.filename} - failed validation: ${r.msg}`,
        );
        break;
      case 'statusSkipped':
        // kubeconform prints name before kind here.
        if (o.verbose)
          lines.push(
            o.resourceIds ? `${r.filename} - ${id} skipped` : `${r.filename} - ${r.name} ${r.kind} skipped`,
          );
        break;
      default:
    }
  }
  if (o.summary) lines.push(summaryLine(summarize(results), o.stdin));
  return lines.length ? lines.join('\n') + '\n' : '';
}

function json(results: readonly ValidationResult[], o: FormatOptions): string {
  const resources = results
    .filter(
      (r) =>
        r.status !== 'statusEmpty' &&
        (o.verbose || (r.status !== 'statusValid' && r.status !== 'statusSkipped')),
    )
    .map((r) => ({
      filename: r.filename,
      kind: r.kind,
      name: r.name,
      version: r.version,
      status: r.status,
      msg: r.msg,
      ...(r.validationErrors.length
        ? { validationErrors: r.validationErrors.map((v) => ({ path: v.path, msg: v.msg })) }
        : {}),
    }));
  const s = summarize(results);
  const body = o.summary
    ? { resources, summary: { valid: s.valid, invalid: s.invalid, errors: s.errors, skipped: s.skipped } }
    : { resources };
  return JSON.stringify(body, null, 2) + '\n';
}

function xml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&#34;')
    .replace(/'/g, '&#39;')
    .replace(/\n/g, '&#xA;');
}

function junit(results: readonly ValidationResult[], o: FormatOptions): string {
  const suites = new Map<
    string,
    { id: number; cases: string[]; tests: number; failures: number; errors: number; skipped: number }
  >();
  let n = 0;
  for (const r of results) {
    if (r.status === 'statusEmpty') continue;
    let suite = suites.get(r.filename);
    if (!suite) {
      suite = { id: ++n, cases: [], tests: 0, failures: 0, errors: 0, skipped: 0 };
      suites.set(r.filename, suite);
    }
    const name = r.namespace ? `${r.namespace}/${r.name}` : r.name;
    const cls = `${r.kind}@${r.version}`;
    const open = `      <testcase name="${xml(name)}" classname="${xml(cls)}"`;
    suite.tests++;
    if (r.status === 'statusValid') suite.cases.push(`${open}></testcase>`);
    else if (r.status === 'statusInvalid') {
      suite.failures++;
      suite.cases.push(
        `${open}>\n        <failure message="${xml(r.msg)}" type=""></failure>\n      </testcase>`,
      );
    } else if (r.status === 'statusError') {
      suite.errors++;
      suite.cases.push(
        `${open}>\n        <error message="${xml(r.msg)}" type=""></error>\n      </testcase>`,
      );
    } else {
      suite.skipped++;
      suite.cases.push(`${open}>\n        <skipped message=""></skipped>\n      </testcase>`);
    }
  }
  const s = summarize(results);
  const out = [
    `<testsuites name="kubeconform" time="${o.seconds ?? 0}" tests="${s.resources}" failures="${s.invalid}" disabled="${s.skipped}" errors="${s.errors}">`,
  ];
  for (const [file, suite] of suites) {
    out.push(
      `  <testsuite name="${xml(file)}" id="${suite.id}" tests="${suite.tests}" failures="${suite.failures}" errors="${suite.errors}" disabled="0" skipped="${suite.skipped}">`,
    );
    out.push(...suite.cases);
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}

function tap(results: readonly ValidationResult[]): string {
  const lines: string[] = [];
  let i = 0;
  for (const r of results) {
    i++;
    if (i === 1) lines.push('TAP version 13');
    const qn = `${r.kind} ${r.namespace ? r.namespace + '/' : ''}${r.name}`.trim();
    switch (r.status) {
      case 'statusValid':
        lines.push(`ok ${i} - ${r.filename} (${qn})`);
        break;
      case 'statusInvalid':
        lines.push(`not ok ${i} - ${r.filename} (${qn}): ${r.msg}`);
        break;
      case 'statusEmpty':
        lines.push(`ok ${i} - ${r.filename} (empty)`);
        break;
      case 'statusError':
        lines.push(`not ok ${i} - ${r.filename}: ${r.msg}`);
        break;
      case 'statusSkipped':
        lines.push(`ok ${i} - ${r.filename} (${qn}) # skip`);
        break;
    }
  }
  lines.push(`1..${i}`);
  return lines.join('\n') + '\n';
}

/** Render results in one of kubeconform's formats; the string ends with a newline (or is empty). */
export function formatResults(
  results: readonly ValidationResult[],
  format: OutputFormat = 'text',
  options: FormatOptions = {},
): string {
  switch (format) {
    case 'text':
      return text(results, options);
    case 'json':
      return json(results, options);
    case 'junit':
      return junit(results, options);
    case 'tap':
      return tap(results);
    default:
      throw new Error(`unknown output format ${String(format)}`);
  }
}
