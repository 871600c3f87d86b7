import { createHash } from 'node:crypto';
import { structuredPatch } from 'diff';
import { stringify } from 'yaml';
import { objectKey, type K8sObject } from '@gitops/toolchain';
import { defaultDiffOptions, type DiffOptions } from './config';
import { formatPath, leaves, maskPaths, removePaths, type Path } from './paths';
import { assessRisks } from './risk';
import type { ChangeCounts, ObjectChange } from './types';

const SECRET_RE = /^<secret sha256:([0-9a-f]{8})>$/;

/** The mask of one sensitive value: `<secret sha256:1a2b3c4d>` (unsalted sha256 prefix of the value). */
export function maskSecretValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return `<secret sha256:${createHash('sha256').update(text).digest('hex').slice(0, 8)}>`;
}

/** Remove noise and mask sensitive values of one object. The result never contains a sensitive value. */
export function normalizeObject(
  obj: K8sObject,
  options: Pick<DiffOptions, 'ignore' | 'sensitive'>,
): K8sObject {
  const masked = maskPaths(obj, options.sensitive, obj.kind, maskSecretValue);
  return removePaths(masked, options.ignore, obj.kind);
}

/** Sorted-key YAML of an object: the text per-object diffs are computed on (key order never shows). */
export function toSortedYaml(obj: unknown): string {
  return stringify(obj, { sortMapEntries: true, lineWidth: 0, aliasDuplicateObjects: false });
}

/**
 * Mark masked values as `unchanged`/`changed`/`added` relative to the other side, so a reviewer sees
 * that a Secret value changed without seeing it.
 */
function annotateSecrets(
  base: K8sObject | undefined,
  head: K8sObject | undefined,
): [K8sObject | undefined, K8sObject | undefined] {
  if (!base || !head) return [base, head];
  const baseLeaves = new Map(leaves(base).map(([p, v]) => [JSON.stringify(p), v]));
  const headLeaves = new Map(leaves(head).map(([p, v]) => [JSON.stringify(p), v]));
  const rewrite = (obj: K8sObject, other: Map<string, unknown>, side: 'base' | 'head'): K8sObject => {
    const walk = (v: unknown, path: (string | number)[]): unknown => {
      if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]));
      if (v && typeof v === 'object')
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, [...path, k])]));
      if (typeof v !== 'string') return v;
      const m = SECRET_RE.exec(v);
      if (!m) return v;
      const theirs = other.get(JSON.stringify(path));
      if (theirs === v) return `<secret sha256:${m[1]} unchanged>`;
      if (side === 'head')
        return `<secret sha256:${m[1]} ${typeof theirs === 'string' && SECRET_RE.test(theirs) ? 'changed' : 'added'}>`;
      return v;
    };
    return walk(obj, []) as K8sObject;
  };
  return [rewrite(base, headLeaves, 'base'), rewrite(head, baseLeaves, 'head')];
}

/** JSON with sorted keys: a cheap, key-order independent equality check. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as any)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** Unified diff hunks between two texts. */
export function unifiedDiff(a: string, b: string, context = 3): string {
  const patch = structuredPatch('base', 'head', a, b, undefined, undefined, { context });
  const out: string[] = [];
  for (const h of patch.hunks) {
    out.push(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`);
    for (const line of h.lines) if (!line.startsWith('\\')) out.push(line);
  }
  return out.join('\n');
}

function wholeDiff(text: string, sign: '+' | '-'): string {
  const lines = text.replace(/\n$/, '').split('\n');
  const header = sign === '+' ? `@@ -0,0 +1,${lines.length} @@` : `@@ -1,${lines.length} +0,0 @@`;
  return [header, ...lines.map((l) => sign + l)].join('\n');
}

function leafMap(obj: unknown): Map<string, string> {
  return new Map(leaves(obj).map(([p, v]) => [formatPath(p as Path), JSON.stringify(v)]));
}

/** Leaf paths whose values differ between two objects. */
export function changedPaths(a: unknown, b: unknown): string[] {
  const la = leafMap(a);
  const lb = leafMap(b);
  const out = new Set<string>();
  for (const [p, v] of la) if (lb.get(p) !== v) out.add(p);
  for (const p of lb.keys()) if (!la.has(p)) out.add(p);
  return [...out].sort();
}

/** Content similarity of two objects ignoring their identity (apiVersion, kind, metadata.name/namespace) and every occurrence of the name in values. */
export function renameSimilarity(a: K8sObject, b: K8sObject): number {
  const strip = (o: K8sObject): Map<string, string> => {
    const name = o.metadata?.name ?? '';
    const m = new Map<string, string>();
    for (const [p, v] of leaves(o)) {
      // Identity fields (equal by construction for candidates) would inflate the score of small objects.
      if (p.length === 1 && (p[0] === 'apiVersion' || p[0] === 'kind')) continue;
      if (p.length === 2 && p[0] === 'metadata' && (p[1] === 'name' || p[1] === 'namespace')) continue;
      const s = JSON.stringify(v);
      m.set(formatPath(p), name ? s.split(name).join('\u0000') : s);
    }
    return m;
  };
  const la = strip(a);
  const lb = strip(b);
  let equal = 0;
  for (const [p, v] of la) if (lb.get(p) === v) equal++;
  const total = Math.max(la.size, lb.size);
  return total ? equal / total : 1;
}

function describe(o: K8sObject) {
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    namespace: o.metadata?.namespace ?? '',
    name: o.metadata?.name ?? '',
  };
}

function index(objects: readonly K8sObject[]): Map<string, K8sObject> {
  const m = new Map<string, K8sObject>();
  for (const o of objects) {
    if (!o || typeof o !== 'object' || !o.kind) continue;
    let key = objectKey(o);
    for (let n = 2; m.has(key); n++) key = `${objectKey(o)} #${n}`;
    m.set(key, o);
  }
  return m;
}

const groupKind = (key: string) => key.split(' ')[0];
const namespaceOf = (o: K8sObject) => o.metadata?.namespace ?? '';

/**
 * Compare two rendered object sets by identity (`group/Kind namespace/name`) and return what changed:
 * added, removed, changed and renamed objects with per-object unified diffs of sorted-key YAML.
 * Noise is removed and sensitive values are masked before anything is compared, so no change carries a secret.
 * Pure: no IO.
 */
export function diffManifests(
  baseObjects: readonly K8sObject[],
  headObjects: readonly K8sObject[],
  options: Partial<DiffOptions> = {},
): ObjectChange[] {
  const o = defaultDiffOptions(options);
  const base = new Map([...index(baseObjects)].map(([k, v]) => [k, normalizeObject(v, o)]));
  const head = new Map([...index(headObjects)].map(([k, v]) => [k, normalizeObject(v, o)]));
  const out: ObjectChange[] = [];

  const push = (
    type: ObjectChange['type'],
    key: string,
    b: K8sObject | undefined,
    h: K8sObject | undefined,
    extra: Partial<ObjectChange> = {},
  ) => {
    const [ab, ah] = annotateSecrets(b, h);
    const by = ab ? toSortedYaml(ab) : '';
    const hy = ah ? toSortedYaml(ah) : '';
    const diff = !ab ? wholeDiff(hy, '+') : !ah ? wholeDiff(by, '-') : unifiedDiff(by, hy, o.context);
    const paths = !b || !h ? [] : changedPaths(b, h);
    const risks = o.assessRisk ? assessRisks(type, key, b, h, extra.previousKey) : [];
    out.push({ type, key, ...describe((h ?? b)!), ...extra, changedPaths: paths, diff, risks });
  };

  const removed: string[] = [];
  const added: string[] = [];
  for (const [key, b] of base) {
    const h = head.get(key);
    if (!h) removed.push(key);
    else if (stableJson(b) !== stableJson(h)) push('changed', key, b, h);
  }
  for (const key of head.keys()) if (!base.has(key)) added.push(key);

  // Renames: same group/kind and namespace, different name, content at least `renameSimilarity` alike.
  const candidates: { r: string; a: string; score: number }[] = [];
  for (const r of removed) {
    for (const a of added) {
      const rb = base.get(r)!;
      const ah = head.get(a)!;
      if (groupKind(r) !== groupKind(a) || namespaceOf(rb) !== namespaceOf(ah)) continue;
      const score = renameSimilarity(rb, ah);
      if (score >= o.renameSimilarity) candidates.push({ r, a, score });
    }
  }
  candidates.sort((x, y) => y.score - x.score || x.a.localeCompare(y.a));
  const paired = new Set<string>();
  for (const c of candidates) {
    if (paired.has(c.r) || paired.has(c.a)) continue;
    paired.add(c.r);
    paired.add(c.a);
    const rb = base.get(c.r)!;
    push('renamed', c.a, rb, head.get(c.a)!, {
      previousKey: c.r,
      previousName: rb.metadata?.name ?? '',
      similarity: Math.round(c.score * 1000) / 1000,
    });
  }
  for (const r of removed) if (!paired.has(r)) push('removed', r, base.get(r), undefined);
  for (const a of added) if (!paired.has(a)) push('added', a, undefined, head.get(a));

  const order = { removed: 0, renamed: 1, changed: 2, added: 3 };
  return out.sort((x, y) => x.key.localeCompare(y.key) || order[x.type] - order[y.type]);
}

export function countChanges(changes: readonly ObjectChange[]): ChangeCounts {
  const c: ChangeCounts = { added: 0, removed: 0, changed: 0, renamed: 0 };
  for (const ch of changes) c[ch.type]++;
  return c;
}
