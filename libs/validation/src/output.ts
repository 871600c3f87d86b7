/**
 * kubeconform v0.7's output formats (pkg/output): text, json, junit, tap and pretty, byte for byte where
 * kubeconform is deterministic. Text, tap and pretty stream (one write per result); json and junit are
 * written at the end, as kubeconform writes them.
 */
import type { ValidationResult } from './validator';

export type OutputFormat = 'text' | 'json' | 'junit' | 'tap' | 'pretty';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['json', 'junit', 'pretty', 'tap', 'text'];

export interface FormatOptions {
  /** `-summary`: the summary line (text, pretty), the `summary` object (json). */
  readonly summary?: boolean;
  /** `-verbose`: also list valid and skipped resources (text, json, pretty). */
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
  const c = new Counter();
  for (const r of results) c.add(r);
  return c.summary();
}

class Counter {
  readonly files = new Set<string>();
  valid = 0;
  invalid = 0;
  errors = 0;
  skipped = 0;
  add(r: ValidationResult): void {
    this.files.add(r.filename);
    if (r.status === 'statusValid') this.valid++;
    else if (r.status === 'statusInvalid') this.invalid++;
    else if (r.status === 'statusError') this.errors++;
    else if (r.status === 'statusSkipped') this.skipped++;
  }
  summary(): Summary {
    const { valid, invalid, errors, skipped } = this;
    return {
      resources: valid + invalid + errors + skipped,
      files: this.files.size,
      valid,
      invalid,
      errors,
      skipped,
    };
  }
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

/** kubeconform's output.Output: `write` per result, `flush` at the end. */
export interface OutputWriter {
  write(r: ValidationResult): void;
  flush(): void;
}

function textWriter(out: (s: string) => void, o: FormatOptions): OutputWriter {
  const c = new Counter();
  return {
    write(r) {
      c.add(r);
      const id = o.resourceIds ? resourceId(r) : `${r.kind} ${r.name}`;
      switch (r.status) {
        case 'statusValid':
          if (o.verbose) out(`${r.filename} - ${id} is valid\n`);
          break;
        case 'statusInvalid':
          out(`${r.filename} - ${id} is invalid: ${r.msg}\n`);
          break;
        case 'statusError':
          out(
            r.kind !== '' && r.name !== ''
              ? `${r.filename} - ${id} failed validation: ${r.msg}\n`
              : `${r.filename} - failed validation: ${r.msg}\n`,
          );
          break;
        case 'statusSkipped':
          // kubeconform prints name before kind here.
          if (o.verbose)
            out(
              o.resourceIds
                ? `${r.filename} - ${id} skipped\n`
                : `${r.filename} - ${r.name} ${r.kind} skipped\n`,
            );
          break;
        default:
      }
    },
    flush() {
      if (o.summary) out(summaryLine(c.summary(), o.stdin) + '\n');
    },
  };
}

const RESET = '\u001b[0m';
const RED = '\u001b[31m';
const GREEN = '\u001b[32m';
const YELLOW = '\u001b[33m';

function prettyWriter(out: (s: string) => void, o: FormatOptions): OutputWriter {
  const c = new Counter();
  return {
    write(r) {
      c.add(r);
      switch (r.status) {
        case 'statusValid':
          if (o.verbose)
            out(`${GREEN}\u2714${RESET} ${r.filename}: ${GREEN}${r.kind} ${r.name} is valid${RESET}\n`);
          break;
        case 'statusInvalid':
          out(`${RED}\u2716${RESET} ${r.filename}: ${RED}${r.kind} ${r.name} is invalid: ${r.msg}${RESET}\n`);
          break;
        case 'statusError':
          out(`${RED}\u2716${RESET} ${r.filename}: `);
          out(
            r.kind !== '' && r.name !== ''
              ? `${RED}${r.kind} failed validation: ${r.name} ${r.msg}${RESET}\n`
              : `${RED}failed validation: ${r.name} ${r.msg}${RESET}\n`,
          );
          break;
        case 'statusSkipped':
          if (o.verbose) {
            out(`${YELLOW}-${RESET} ${r.filename}: `);
            if (r.kind !== '' && r.name !== '') out(`${YELLOW}${r.kind} ${r.name} skipped${RESET}\n`);
            else if (r.kind !== '') out(`${YELLOW}${r.kind} skipped${RESET}\n`);
            else out(`${YELLOW}skipped${RESET}\n`);
          }
          break;
        default:
      }
    },
    flush() {
      if (o.summary) out(summaryLine(c.summary(), o.stdin) + '\n');
    },
  };
}

/** Go's encoding/json escapes <, > and & (and U+2028/U+2029) inside strings. */
export function goJson(value: unknown): string {
  return JSON.stringify(value, null, 2)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function jsonWriter(out: (s: string) => void, o: FormatOptions): OutputWriter {
  const c = new Counter();
  const resources: object[] = [];
  return {
    write(r) {
      c.add(r);
      if (
        o.verbose ||
        (r.status !== 'statusValid' && r.status !== 'statusSkipped' && r.status !== 'statusEmpty')
      ) {
        resources.push({
          filename: r.filename,
          kind: r.kind,
          name: r.name,
          version: r.version,
          status: r.status === 'statusEmpty' ? '' : r.status,
          msg: r.status === 'statusInvalid' || r.status === 'statusError' ? r.msg : '',
          ...(r.validationErrors.length
            ? { validationErrors: r.validationErrors.map((v) => ({ path: v.path, msg: v.msg })) }
            : {}),
        });
      }
    },
    flush() {
      const s = c.summary();
      const body = o.summary
        ? { resources, summary: { valid: s.valid, invalid: s.invalid, errors: s.errors, skipped: s.skipped } }
        : { resources };
      out(goJson(body) + '\n');
    },
  };
}

/** Go's xml.EscapeText (attribute values). */
function xml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&#34;')
    .replace(/'/g, '&#39;')
    .replace(/\t/g, '&#x9;')
    .replace(/\n/g, '&#xA;')
    .replace(/\r/g, '&#xD;');
}

function junitWriter(out: (s: string) => void, o: FormatOptions): OutputWriter {
  interface Suite {
    name: string;
    id: number;
    cases: string[];
    tests: number;
    failures: number;
    errors: number;
    skipped: number;
  }
  const suites: Suite[] = [];
  const index = new Map<string, Suite>();
  let valid = 0;
  let invalid = 0;
  let errors = 0;
  let skipped = 0;
  return {
    write(r) {
      let suite = index.get(r.filename);
      if (!suite) {
        suite = {
          name: r.filename,
          id: suites.length + 1,
          cases: [],
          tests: 0,
          failures: 0,
          errors: 0,
          skipped: 0,
        };
        suites.push(suite);
        index.set(r.filename, suite);
      }
      if (r.status === 'statusEmpty') return;
      const name = r.namespace ? `${r.namespace}/${r.name}` : r.name;
      const open = `    <testcase name="${xml(name)}" classname="${xml(`${r.kind}@${r.version}`)}" time="0"`;
      suite.tests++;
      if (r.status === 'statusValid') {
        valid++;
        suite.cases.push(`${open}></testcase>`);
      } else if (r.status === 'statusInvalid') {
        invalid++;
        suite.failures++;
        suite.cases.push(
          `${open}>\n      <failure message="${xml(r.msg)}" type=""></failure>\n    </testcase>`,
        );
      } else if (r.status === 'statusError') {
        errors++;
        suite.errors++;
        suite.cases.push(`${open}>\n      <error message="${xml(r.msg)}" type=""></error>\n    </testcase>`);
      } else {
        skipped++;
        suite.skipped++;
        suite.cases.push(`${open}>\n      <skipped message=""></skipped>\n    </testcase>`);
      }
    },
    flush() {
      const head = `<testsuites name="kubeconform" time="${o.seconds ?? 0}" tests="${valid + invalid + errors + skipped}" failures="${invalid}" disabled="${skipped}" errors="${errors}">`;
      if (!suites.length) {
        out(`${head}</testsuites>\n`);
        return;
      }
      const lines = [head];
      for (const s of suites) {
        const open = `  <testsuite name="${xml(s.name)}" id="${s.id}" tests="${s.tests}" failures="${s.failures}" errors="${s.errors}" disabled="0" skipped="${s.skipped}">`;
        if (!s.cases.length) lines.push(`${open}</testsuite>`);
        else lines.push(open, ...s.cases, '  </testsuite>');
      }
      lines.push('</testsuites>');
      out(lines.join('\n') + '\n');
    },
  };
}

/**
 * TAP. Platform difference: line breaks inside names and messages are written as `\n` so that a resource
 * name cannot inject TAP lines (kubeconform writes them raw).
 */
function tapWriter(out: (s: string) => void): OutputWriter {
  let i = 0;
  const one = (s: string) => s.replace(/\r/g, '\\r').replace(/\n/g, '\\n');
  return {
    write(r) {
      i++;
      if (i === 1) out('TAP version 13\n');
      const qn = one(`${r.version}/${r.kind}/${r.namespace}/${r.name}`);
      const file = one(r.filename);
      const msg = one(r.msg);
      switch (r.status) {
        case 'statusValid':
          out(`ok ${i} - ${file} (${qn})\n`);
          break;
        case 'statusInvalid':
          out(`not ok ${i} - ${file} (${qn}): ${msg}\n`);
          break;
        case 'statusEmpty':
          out(`ok ${i} - ${file} (empty)\n`);
          break;
        case 'statusError':
          out(`not ok ${i} - ${file}: ${msg}\n`);
          break;
        case 'statusSkipped':
          out(`ok ${i} - ${file} (${qn}) # skip\n`);
          break;
      }
    },
    flush() {
      out(`1..${i}\n`);
    },
  };
}

/** kubeconform's output.New. */
export function createOutput(
  format: OutputFormat,
  out: (s: string) => void,
  options: FormatOptions = {},
): OutputWriter {
  switch (format) {
    case 'text':
      return textWriter(out, options);
    case 'pretty':
      return prettyWriter(out, options);
    case 'json':
      return jsonWriter(out, options);
    case 'junit':
      return junitWriter(out, options);
    case 'tap':
      return tapWriter(out);
    default:
      throw new Error(`'outputFormat' must be 'json', 'junit', 'pretty', 'tap' or 'text'`);
  }
}

/** Render results in one of kubeconform's formats; the string ends with a newline (or is empty). */
export function formatResults(
  results: readonly ValidationResult[],
  format: OutputFormat = 'text',
  options: FormatOptions = {},
): string {
  let s = '';
  const w = createOutput(format, (x) => (s += x), options);
  for (const r of results) w.write(r);
  w.flush();
  return s;
}
