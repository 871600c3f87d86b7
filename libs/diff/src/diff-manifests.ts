import { structuredPatch } from 'diff';
import { stringify } from 'yaml';
import { objectKey, type K8sObject } from '@gitops/toolchain';
import { defaultDiffOptions, type DiffOptions } from './config';
import { formatPath, leaves, maskPaths, removePaths, type Path } from './paths';
import { argoNotes, hookOf, pruneOutcome, type SyncPolicySummary } from './argo-semantics';
import { createMasker, maskObject, MASK_RE, type Masker } from './masking';
import { assessRisks, type RiskContext } from './risk';
import type { ChangeCounts, ObjectChange } from './types';

/** A mask of one sensitive value under a fresh random key (see masking.ts). Each call draws a new key. */
export function maskSecretValue(value: unknown): string {
  return createMasker()(value);
}

/**
 * Mask secret material of one object (Secrets wherever they are, configured sensitive fields, last-applied
 * copies, anything the secret scanner recognises). The result never contains a secret value.
 */
export function maskSecrets(obj: K8sObject, sensitive: DiffOptions['sensitive'], mask: Masker): K8sObject {
  return maskObject(maskPaths(obj, sensitive, obj.kind, mask), mask);
}

/** Remove noise and mask sensitive values of one object. The result never contains a sensitive value. */
export function normalizeObject(
  obj: K8sObject,
  options: Pick<DiffOptions, 'ignore' | 'sensitive'>,
  mask: Masker = createMasker(),
): K8sObject {
  return removePaths(maskSecrets(obj, options.sensitive, mask), options.ignore, obj.kind);
}

/**
 * The objects of a stream with every `List` (`v1/List`, `*List` with `items`) replaced by its items, as
 * kubectl and Argo CD do; recursive.
 */
export function expandLists(objects: readonly K8sObject[]): K8sObject[] {
  const out: K8sObject[] = [];
  const visit = (o: K8sObject) => {
    if (o && typeof o === 'object' && /List$/.test(String(o.kind)) && Array.isArray((o as any).items)) {
      for (const item of (o as any).items) if (item && typeof item === 'object') visit(item);
    } else out.push(o);
  };
  for (const o of objects) visit(o);
  return out;
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
  const leafMapOf = (o: K8sObject | undefined) =>
    o ? new Map(leaves(o).map(([p, v]) => [JSON.stringify(p), v])) : undefined;
  const baseLeaves = leafMapOf(base);
  const headLeaves = leafMapOf(head);
  const rewrite = (
    obj: K8sObject,
    other: Map<string, unknown> | undefined,
    side: 'base' | 'head',
  ): K8sObject => {
    const walk = (v: unknown, path: (string | number)[]): unknown => {
      if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]));
      if (v && typeof v === 'object')
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, [...path, k])]));
      if (typeof v !== 'string') return v;
      if (!MASK_RE.test(v)) return v;
      if (!other) return '<secret>';
      const theirs = other.get(JSON.stringify(path));
      if (theirs === v) return '<secret unchanged>';
      if (side === 'head')
        return `<secret ${typeof theirs === 'string' && MASK_RE.test(theirs) ? 'changed' : 'added'}>`;
      return '<secret>';
    };
    return walk(obj, []) as K8sObject;
  };
  return [base && rewrite(base, headLeaves, 'base'), head && rewrite(head, baseLeaves, 'head')];
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
  for (const o of expandLists(objects)) {
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
export interface DiffExtras {
  /** Masks secret material; one per preview run. @default a fresh random key */
  readonly mask?: Masker;
  /** The environment and objects the risk rules look at. */
  readonly riskContext?: Partial<RiskContext>;
  /** The Application's sync policy (head side, else base): decides what a removal does. */
  readonly syncPolicy?: SyncPolicySummary;
}

export function diffManifests(
  baseObjects: readonly K8sObject[],
  headObjects: readonly K8sObject[],
  options: Partial<DiffOptions> & DiffExtras = {},
): ObjectChange[] {
  const o = defaultDiffOptions(options);
  const mask = options.mask ?? createMasker();
  // Noise is removed first; masking (which scans every value) is paid only for objects that differ.
  const baseRaw = new Map([...index(baseObjects)].map(([k, v]) => [k, removePaths(v, o.ignore, v.kind)]));
  const headRaw = new Map([...index(headObjects)].map(([k, v]) => [k, removePaths(v, o.ignore, v.kind)]));
  const masked = new Map<K8sObject, K8sObject>();
  const m = (v: K8sObject): K8sObject => {
    let r = masked.get(v);
    if (!r) masked.set(v, (r = maskSecrets(v, o.sensitive, mask)));
    return r;
  };
  const riskContext: RiskContext = {
    environment: options.riskContext?.environment ?? '',
    environments: options.riskContext?.environments ?? [],
    operational: options.riskContext?.operational ?? true,
    baseObjects: [...baseRaw.values()],
    headObjects: [...headRaw.values()],
  };
  const out: ObjectChange[] = [];

  const push = (
    type: ObjectChange['type'],
    key: string,
    b: K8sObject | undefined,
    h: K8sObject | undefined,
    extra: Partial<ObjectChange> = {},
  ) => {
    const mb = b && m(b);
    const mh = h && m(h);
    const [ab, ah] = annotateSecrets(mb, mh);
    const by = ab ? toSortedYaml(ab) : '';
    const hy = ah ? toSortedYaml(ah) : '';
    const diff = !ab ? wholeDiff(hy, '+') : !ah ? wholeDiff(by, '-') : unifiedDiff(by, hy, o.context);
    const paths = !mb || !mh ? [] : changedPaths(mb, mh);
    const prune = type === 'removed' ? pruneOutcome(b!, options.syncPolicy) : undefined;
    const risks = o.assessRisk
      ? assessRisks(type, key, mb, mh, extra.previousKey, { ...riskContext, prune })
      : [];
    const hook = hookOf((h ?? b)!);
    const notes = argoNotes(mb, mh);
    out.push({
      type,
      key,
      ...describe((h ?? b)!),
      ...extra,
      changedPaths: paths,
      diff,
      risks,
      ...(hook ? { hook } : {}),
      ...(prune ? { prune } : {}),
      ...(notes.length ? { notes } : {}),
    });
  };

  const removed: string[] = [];
  const added: string[] = [];
  for (const [key, b] of baseRaw) {
    const h = headRaw.get(key);
    if (!h) removed.push(key);
    else if (stableJson(b) !== stableJson(h)) push('changed', key, b, h);
  }
  for (const key of headRaw.keys()) if (!baseRaw.has(key)) added.push(key);
  const base = new Map(removed.map((k) => [k, m(baseRaw.get(k)!)]));
  const head = new Map(added.map((k) => [k, m(headRaw.get(k)!)]));

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
    const rb = baseRaw.get(c.r)!;
    push('renamed', c.a, rb, headRaw.get(c.a)!, {
      previousKey: c.r,
      previousName: rb.metadata?.name ?? '',
      similarity: Math.round(c.score * 1000) / 1000,
    });
  }
  for (const r of removed) if (!paired.has(r)) push('removed', r, baseRaw.get(r), undefined);
  for (const a of added) if (!paired.has(a)) push('added', a, undefined, headRaw.get(a));

  const order = { removed: 0, renamed: 1, changed: 2, added: 3 };
  return out.sort((x, y) => x.key.localeCompare(y.key) || order[x.type] - order[y.type]);
}

export function countChanges(changes: readonly ObjectChange[]): ChangeCounts {
  const c: ChangeCounts = { added: 0, removed: 0, changed: 0, renamed: 0 };
  for (const ch of changes) c[ch.type]++;
  return c;
}
