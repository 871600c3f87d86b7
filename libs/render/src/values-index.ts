/**
 * Index of a system's values across samples (defaults and each environment), used to explain a
 * manifest field that differs between environments by the values that produce it.
 */

export type Path = readonly (string | number)[];

/** One rendering of the system: its values and its synthesized objects. */
export interface Sample<T = unknown> {
  /** `defaults`, `dev`, `prod`, `mini-corp`. */
  readonly label: string;
  readonly values: Record<string, unknown>;
  readonly objects: T;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Canonical JSON: keys sorted, so equal data gives equal strings whatever the key order. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, val) =>
    isPlainObject(val)
      ? Object.fromEntries(
          Object.keys(val)
            .sort()
            .map((k) => [k, val[k]]),
        )
      : val,
  );
}

export function deepEqual(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

export function getPath(root: unknown, path: Path): unknown {
  let cur: any = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = cur[seg as any];
  }
  return cur;
}

/** Every node path in a values tree (maps only; lists are leaves, as Helm replaces them whole). */
function collectPaths(v: unknown, prefix: Path, out: Map<string, Path>): void {
  if (!isPlainObject(v)) return;
  for (const [k, child] of Object.entries(v)) {
    const p = [...prefix, k];
    out.set(JSON.stringify(p), p);
    collectPaths(child, p, out);
  }
}

/** The values paths of a set of samples, with their value in each sample. */
export class ValuesIndex {
  /** All paths present in at least one sample, in declaration order of the first sample that has them. */
  readonly paths: Path[];
  private readonly byTuple = new Map<string, Path[]>();

  constructor(private readonly samples: readonly Sample[]) {
    const all = new Map<string, Path>();
    for (const s of samples) collectPaths(s.values, [], all);
    this.paths = [...all.values()];
    for (const p of this.paths) {
      const key = this.tupleKey(samples.map((s) => getPath(s.values, p)));
      const list = this.byTuple.get(key) ?? [];
      list.push(p);
      this.byTuple.set(key, list);
    }
  }

  private tupleKey(values: readonly unknown[]): string {
    return values.map((v) => (v === undefined ? '~' : canonical(v))).join('\u0000');
  }

  valueIn(sampleIndex: number, path: Path): unknown {
    return getPath(this.samples[sampleIndex].values, path);
  }

  /**
   * Paths whose value equals `values[i]` in sample `indices[i]` for every i (values deep-equal).
   * Only exact tuples over all samples are indexed, so a subset query scans.
   */
  pathsEqualTo(indices: readonly number[], values: readonly unknown[]): Path[] {
    if (indices.length === this.samples.length && indices.every((x, i) => x === i)) {
      return this.byTuple.get(this.tupleKey(values)) ?? [];
    }
    const want = values.map((v) => canonical(v));
    return this.paths.filter((p) => indices.every((si, i) => canonical(this.valueIn(si, p)) === want[i]));
  }

  private readonly memo = new Map<string, Path[]>();

  /** Scalar paths (string, number, boolean) defined in all the given samples. */
  scalarPaths(indices: readonly number[]): Path[] {
    const key = `s${indices.join(',')}`;
    const hit = this.memo.get(key);
    if (hit) return hit;
    const out = this.paths.filter((p) =>
      indices.every((si) => {
        const v = this.valueIn(si, p);
        return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
      }),
    );
    this.memo.set(key, out);
    return out;
  }

  listPaths(indices: readonly number[]): Path[] {
    return this.paths.filter((p) => indices.every((si) => Array.isArray(this.valueIn(si, p))));
  }
}

/** Render a values path as a Go template reference: `.Values.a.b` or `(index .Values "a" "b-c")`. */
export function valuesRef(path: Path): string {
  const ident = /^[A-Za-z_][A-Za-z0-9_]*$/;
  if (path.every((p) => typeof p === 'string' && ident.test(p))) return `.Values.${path.join('.')}`;
  return `(index .Values ${path.map((p) => (typeof p === 'number' ? String(p) : JSON.stringify(p))).join(' ')})`;
}

/** A dotted path for messages and tables: `backend.image.tag`. */
export function dotted(path: Path): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : p))
    .join('.')
    .replace(/\.\[/g, '[');
}
