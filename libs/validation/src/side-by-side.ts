/**
 * The side-by-side corpus (libs/validation/conformance/side-by-side): cases run through the real kubeconform
 * v0.7.0 (recorded by tools/cli/src/record-kubeconform.ts) and replayed through `validate`
 * (side-by-side.test.ts). Shared here: where the corpus is, how a case's arguments are expanded, and how
 * machine-specific paths are normalised so that a recording made on one machine replays on another.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const SIDE_BY_SIDE_DIR = resolve(__dirname, '..', 'conformance', 'side-by-side');

export interface SideBySideCase {
  /** Unique, stable: recordings and the README's difference table refer to it. */
  readonly name: string;
  /** Arguments after the program name; `$SCHEMAS` is the generated schema folder, `$CRDS` its CRD template. */
  readonly args: readonly string[];
  /** Working directory, relative to the corpus folder (default: the corpus folder). */
  readonly cwd?: string;
  /** A file (relative to the corpus folder) piped to stdin. */
  readonly stdin?: string;
}

export interface Recording {
  readonly stdout: string;
  readonly exit: number;
  /**
   * false when five runs of kubeconform printed different stdout (Go map order, parallel workers): the
   * replay then compares the sorted lines.
   */
  readonly stable: boolean;
}

export interface Recordings {
  readonly kubeconform: string;
  readonly cases: Record<string, Recording>;
}

export const SCHEMAS_PLACEHOLDER = '$SCHEMAS';

export function loadCases(): SideBySideCase[] {
  return JSON.parse(readFileSync(join(SIDE_BY_SIDE_DIR, 'cases.json'), 'utf8')) as SideBySideCase[];
}

export function loadRecordings(): Recordings {
  return JSON.parse(readFileSync(join(SIDE_BY_SIDE_DIR, 'recordings.json'), 'utf8')) as Recordings;
}

/** The case's arguments with the schema folder substituted. */
export function expandArgs(c: SideBySideCase, schemaDir: string): string[] {
  return c.args.map((a) =>
    a
      .split('$CRDS')
      .join(`${schemaDir}/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json`)
      .split(SCHEMAS_PLACEHOLDER)
      .join(schemaDir),
  );
}

/**
 * stdout with the machine's schema folder replaced by `$SCHEMAS` and JUnit's run duration (the only
 * timing kubeconform prints) by `$TIME`.
 */
export function normaliseOutput(stdout: string, schemaDir: string): string {
  return stdout
    .split(schemaDir)
    .join(SCHEMAS_PLACEHOLDER)
    .replace(/^(<testsuites name="kubeconform" time=")[^"]*"/m, '$1$TIME"');
}

export function caseCwd(c: SideBySideCase): string {
  return resolve(SIDE_BY_SIDE_DIR, c.cwd ?? '.');
}

/**
 * kubeconform's output with Go's random map order taken out, the form in which recordings are compared:
 * sibling violations (` - at '…'` at one level) sorted, `additional properties 'b', 'a'` lists sorted, JSON
 * `validationErrors` sorted. With `sortLines` (recordings that differed between runs: parallel workers),
 * lines (JSON: resources) are sorted too. Everything else must match byte for byte.
 */
export function canonicalOutput(s: string, sortLines: boolean): string {
  const line = (l: string): string => {
    const x = l.replace(
      /additional properties ((?:(?:'|&#39;).*?(?:'|&#39;)(?:, )?)+) not allowed/g,
      (_, list: string) => `additional properties ${list.split(', ').sort().join(', ')} not allowed`,
    );
    const start = x.search(/ +- at (?:'|&#39;)/);
    if (start < 0) return x;
    // What follows the last violation in pretty (colour reset) and JUnit (closing tag) output.
    const tail = /(\u001b\[0m|" type=""><\/failure>)$/.exec(x)?.[1] ?? '';
    const causes = x.slice(start, x.length - tail.length).split(/(?= +- at (?:'|&#39;))/);
    return x.slice(0, start) + causes.sort().join('') + tail;
  };
  if (s.startsWith('{\n  "resources"')) {
    try {
      const doc = JSON.parse(s) as { resources: { msg?: string; validationErrors?: unknown[] }[] };
      for (const r of doc.resources) {
        if (r.msg) r.msg = line(r.msg);
        r.validationErrors = r.validationErrors
          ?.map((e) => JSON.stringify(e))
          .map((e) => line(e))
          .sort();
      }
      if (sortLines) doc.resources = doc.resources.map((r) => JSON.stringify(r)).sort() as never;
      return JSON.stringify(doc, null, 2);
    } catch {
      // not JSON after all: compare as text
    }
  }
  const lines = s.split('\n').map(line);
  return (sortLines ? lines.sort() : lines).join('\n');
}
