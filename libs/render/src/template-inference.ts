/**
 * Infer Helm templates from synthesized samples.
 *
 * Each system is synthesized once for its default values and once per environment. A manifest
 * field that is the same in every sample is written literally; a field that differs is explained by
 * the values that produce it: a direct reference (`.Values.backend.image.tag`), a string built around
 * one (`printf "repo:%s" .Values.tag`), a list joined into a string, or — for structure — a
 * condition on a boolean or enum value. Whatever cannot be explained this way is an error naming the
 * object, the field and the differing values: the system should expose that difference as a value.
 */
import { decidingOption, differingValues, inferenceAdvice } from './inference-hints';
import { ConfigError } from './system';
import {
  canonical,
  deepEqual,
  dotted,
  isPlainObject,
  valuesRef,
  ValuesIndex,
  type Path,
} from './values-index';

/** A condition on values that selects samples. */
export interface Condition {
  /** Go template expression, e.g. `.Values.autoscaling.enabled` or `eq (toString .Values.platform.provider) "aws"`. */
  readonly expr: string;
  /** Values path it reads. */
  readonly path: Path;
}

export type TemplateNode =
  | { readonly t: 'literal'; readonly value: unknown }
  /** An inline Go expression producing JSON (a valid YAML flow value). */
  | { readonly t: 'expr'; readonly expr: string; readonly paths: readonly Path[] }
  | { readonly t: 'map'; readonly entries: readonly MapEntry[] }
  | { readonly t: 'list'; readonly items: readonly TemplateNode[] }
  /** One literal per value of a selector, chosen at render time. */
  | {
      readonly t: 'switch';
      readonly path: Path;
      readonly cases: readonly { readonly when: unknown; readonly value: unknown }[];
    };

export interface MapEntry {
  readonly key: string;
  readonly node: TemplateNode;
  readonly condition?: Condition;
}

/** Where an inference problem was found, for messages. */
export interface InferenceContext {
  readonly system: string;
  readonly object: string;
  readonly labels: readonly string[];
  /**
   * Synthesize the defaults with one value changed and return this object (null: absent), or
   * undefined when the changed values are invalid. Used to tell which of several values that
   * correlate with a difference actually causes it.
   */
  readonly probe?: (
    sampleIndex: number,
    valuesPath: Path,
    value: unknown,
  ) => Record<string, unknown> | null | undefined;
  /** Many values changed in one synthesis (each to a distinct value), for binding literal fields cheaply. */
  readonly probeBatch?: BatchProbe;
  /** Internal: this map is being explained field by field. */
  readonly noDirectMap?: boolean;
  /** Values paths (JSON of the path) whose schema is an enum: the selectors structure may hang off. */
  readonly enumPaths?: ReadonlySet<string>;
}

/**
 * How much a scalar value is worth as a selector: booleans and enums are (they name a feature or a
 * platform); free-form strings (hosts, image names, cluster names) only correlate with structure.
 */
function selectorWeight(first: unknown, path: Path, enums?: ReadonlySet<string>): number {
  if (typeof first === 'boolean') return 100;
  if (typeof first !== 'string') return 30;
  if (!enums) return 50;
  return enums.has(JSON.stringify(path)) ? 60 : 5;
}

/** The field at `at` in a synthesis of a sample where the value at `path` (and others) was changed to `changed`. */
export type BatchProbe = (
  sample: number,
  path: Path,
  at: Path,
) => { field: unknown; changed: unknown } | undefined;

/** Checks, on a probe of a sample, whether the node is present after changing a value (undefined: inconclusive). */
export type PresenceCheck = (sample: number, valuesPath: Path, value: unknown) => boolean | undefined;

export class TemplateInferenceError extends ConfigError {}

function goString(s: string): string {
  return JSON.stringify(s);
}

export function conditionFor(
  index: ValuesIndex,
  samples: readonly number[],
  present: readonly boolean[],
  hint: readonly string[],
  check?: PresenceCheck,
  enums?: ReadonlySet<string>,
): Condition | undefined {
  // Candidate selector paths: booleans first, then strings (enums); ranked by how well their name matches the hint.
  const scalars = index.scalarPaths(samples);
  const candidates: { path: Path; expr: string; score: number }[] = [];
  for (const path of scalars) {
    const vals = samples.map((si) => index.valueIn(si, path));
    const trueSet = new Set<string>();
    const falseSet = new Set<string>();
    samples.forEach((_, i) => (present[i] ? trueSet : falseSet).add(canonical(vals[i])));
    if ([...trueSet].some((v) => falseSet.has(v))) continue; // not a function of this value
    if (trueSet.size === 0 || falseSet.size === 0) continue;
    const first = vals[0];
    let expr: string;
    let base: number;
    if (typeof first === 'boolean') {
      // Compared as text, so "true"/"false" given as strings (--set-string) mean the same.
      expr = `eq (toString ${valuesRef(path)}) ${trueSet.has('true') ? '"true"' : '"false"'}`;
      base = 100;
    } else if (typeof first === 'string') {
      const when = [...trueSet].sort().map((v) => JSON.parse(v) as string);
      const whenNot = [...falseSet].sort().map((v) => JSON.parse(v) as string);
      // Name the shorter side, negated when needed, so a new value falls on the larger side.
      const positive = when.length <= whenNot.length;
      const names = positive ? when : whenNot;
      const test =
        names.length === 1
          ? `eq (toString ${valuesRef(path)}) ${goString(names[0])}`
          : `has (toString ${valuesRef(path)}) (list ${names.map(goString).join(' ')})`;
      expr = positive ? test : `not (${test})`;
      base = selectorWeight(first, path, enums);
    } else if (vals.every((v) => typeof v === 'number' && Number.isInteger(v))) {
      // A threshold on a count (a PodDisruptionBudget from two replicas on).
      const pres = vals.filter((_, i) => present[i]) as number[];
      const abs = vals.filter((_, i) => !present[i]) as number[];
      if (Math.max(...abs) < Math.min(...pres)) expr = `gt (int ${valuesRef(path)}) ${Math.max(...abs)}`;
      else if (Math.max(...pres) < Math.min(...abs)) expr = `lt (int ${valuesRef(path)}) ${Math.min(...abs)}`;
      else continue;
      base = 30;
    } else continue;
    const words = path.map(String).flatMap((p) => p.toLowerCase().split(/[^a-z0-9]+/));
    const score = base + words.filter((w) => w && hint.some((h) => h.includes(w))).length * 10 - path.length;
    candidates.push({ path, expr, score });
  }
  candidates.sort((a, b) => b.score - a.score);
  if (!check) {
    const best = candidates[0];
    return best ? { expr: best.expr, path: best.path } : undefined;
  }
  // Several values may correlate by chance: change each in a sample (the first where the typed layer
  // accepts the change) and keep the first that flips presence; one whose change leaves presence as it
  // was is rejected; one that cannot be changed alone is used only when nothing else is left.
  let unverified: (typeof candidates)[number] | undefined;
  candidates: for (const c of candidates) {
    for (let i = 0; i < samples.length; i++) {
      const current = index.valueIn(samples[i], c.path);
      const other =
        typeof current === 'boolean'
          ? !current
          : samples
              .map((si, j) => (present[j] !== present[i] ? index.valueIn(si, c.path) : undefined))
              .find((v) => v !== undefined);
      const result = other === undefined ? undefined : check(samples[i], c.path, other);
      if (result === !present[i]) return { expr: c.expr, path: c.path };
      if (result === present[i]) continue candidates;
    }
    unverified ??= c;
  }
  return unverified ? { expr: unverified.expr, path: unverified.path } : undefined;
}

function fmtSamples(ctx: InferenceContext, samples: readonly number[], values: readonly unknown[]): string {
  return samples
    .map((si, i) => `${ctx.labels[si]}=${values[i] === undefined ? '(absent)' : canonical(values[i])}`)
    .join(', ');
}

/** Infer the template of one node from its value in each sample where it exists. */
export function inferNode(
  index: ValuesIndex,
  samples: readonly number[],
  values: readonly unknown[],
  at: Path,
  ctx: InferenceContext,
  hint: readonly string[],
): TemplateNode {
  const first = values[0];
  if (values.every((v) => deepEqual(v, first))) return bindLiteral(index, samples, first, at, ctx);

  // 1. The value itself is a value (leaf, list or map). A map is preferably explained field by field,
  //    so that its template is the same whether or not its fields differ between environments today.
  const direct = index.pathsEqualTo(samples, values);
  const directNode = (): TemplateNode | undefined => {
    if (!direct.length) return undefined;
    const path = pickByHint(direct, hint);
    return { t: 'expr', expr: `${valuesRef(path)} | toJson`, paths: [path] };
  };
  if (values.every(isPlainObject) && direct.length && !ctx.noDirectMap) {
    try {
      return inferNode(index, samples, values, at, { ...ctx, noDirectMap: true }, hint);
    } catch (err) {
      if (!(err instanceof TemplateInferenceError)) throw err;
      return directNode()!;
    }
  }
  if (direct.length && !(ctx.noDirectMap && values.every(isPlainObject))) return directNode()!;
  if (ctx.noDirectMap) ctx = { ...ctx, noDirectMap: false };

  // 2. A string built around a string value, or a list value joined.
  if (values.every((v) => typeof v === 'string')) {
    const strs = values as string[];
    const interp = interpolate(index, samples, strs, hint, ctx, at);
    if (interp) return interp;
    const pinned = optionalDigest(index, samples, strs, at, ctx, hint);
    if (pinned) return pinned;
  }

  // 3. Structure: recurse into maps and equal-length lists.
  if (values.every(isPlainObject)) {
    const maps = values as Record<string, unknown>[];
    const keys: string[] = [];
    for (const m of maps) for (const k of Object.keys(m)) if (!keys.includes(k)) keys.push(k);
    const entries: MapEntry[] = [];
    for (const key of keys) {
      const present = maps.map((m) => key in m);
      const sub = samples.filter((_, i) => present[i]);
      const subValues = maps.filter((_, i) => present[i]).map((m) => m[key]);
      const node = inferNode(index, sub, subValues, [...at, key], ctx, [...hint, key.toLowerCase()]);
      if (present.every(Boolean)) {
        entries.push({ key, node });
        continue;
      }
      const check: PresenceCheck | undefined = ctx.probe
        ? (sample, path, value) => {
            const o = ctx.probe!(sample, path, value);
            if (!o) return undefined;
            const parent = at.reduce<any>((cur, seg) => (cur == null ? cur : cur[seg]), o);
            return isPlainObject(parent) ? key in parent : undefined;
          }
        : undefined;
      const condition = conditionFor(
        index,
        samples,
        present,
        [...hint, key.toLowerCase()],
        check,
        ctx.enumPaths,
      );
      if (!condition) {
        throw new TemplateInferenceError(
          `${ctx.system}: ${ctx.object}: field ${dotted([...at, key])} exists in ${sub.map((s) => ctx.labels[s]).join(', ')} ` +
            `but not in ${samples
              .filter((_, i) => !present[i])
              .map((s) => ctx.labels[s])
              .join(', ')}, and no boolean or enum value ` +
            `selects it: add a value (e.g. "<component>.<feature>.enabled") that the construct reads` +
            inferenceAdvice([
              differingValues(index, samples, ctx.labels),
              decidingOption(undefined, dotted([...at, key])) ??
                (typeof key === 'number'
                  ? 'a list entry present only in some environments: add it from a boolean value, or make the whole list a value'
                  : undefined),
            ]),
        );
      }
      entries.push({ key, node, condition });
    }
    return { t: 'map', entries };
  }
  if (
    values.every(Array.isArray) &&
    values.every((v) => (v as unknown[]).length === (first as unknown[]).length)
  ) {
    const lists = values as unknown[][];
    try {
      return {
        t: 'list',
        items: (first as unknown[]).map((_, i) =>
          inferNode(
            index,
            samples,
            lists.map((l) => l[i]),
            [...at, i],
            ctx,
            hint,
          ),
        ),
      };
    } catch (err) {
      if (!(err instanceof TemplateInferenceError)) throw err;
      // fall through to a selector over the whole list
    }
  }

  // 4. A literal per value of some boolean/enum value.
  const sw = selectorSwitch(index, samples, values, hint, ctx, at);
  if (sw) return sw;

  throw new TemplateInferenceError(
    `${ctx.system}: ${ctx.object}: field ${dotted(at) || '(object)'} differs between environments ` +
      `(${fmtSamples(ctx, samples, values)}) and no value explains it: expose it as a value the construct reads verbatim` +
      inferenceAdvice([
        differingValues(index, samples, ctx.labels),
        decidingOption(undefined, dotted(at)) ??
          (values.every(Array.isArray) && new Set(values.map((v) => (v as unknown[]).length)).size > 1
            ? `the list has ${values.map((v, i) => `${(v as unknown[]).length} entries in ${ctx.labels[samples[i]]}`).join(', ')}: an entry present only in some environments needs a boolean value the construct reads to add it, or the whole list as a value`
            : undefined),
      ]),
  );
}

function pickByHint(paths: readonly Path[], hint: readonly string[]): Path {
  let best = paths[0];
  let bestScore = -Infinity;
  for (const p of paths) {
    const words = p.map(String).flatMap((s) => s.toLowerCase().split(/[^a-z0-9]+/));
    const score = words.filter((w) => w && hint.some((h) => h.includes(w))).length * 10 - p.length;
    if (score > bestScore) {
      best = p;
      bestScore = score;
    }
  }
  return best;
}

function escapePrintf(s: string): string {
  return s.replace(/%/g, '%%');
}

function interpolate(
  index: ValuesIndex,
  samples: readonly number[],
  strs: readonly string[],
  hint: readonly string[],
  ctx: InferenceContext,
  at: Path,
): TemplateNode | undefined {
  // Candidate string values that occur in the field in every sample; constant ones stay literal.
  // Numbers count too, as written into a string (`pods: "20"`).
  const candidates: { path: Path; vals: string[]; number?: boolean }[] = [];
  for (const path of index.scalarPaths(samples)) {
    const raw = samples.map((si) => index.valueIn(si, path));
    const number = raw.every((v) => typeof v === 'number' && Number.isFinite(v));
    if (!number && !raw.every((v) => typeof v === 'string' && v.length > 0)) continue;
    const vals = raw.map(String);
    if (vals.every((v) => v === vals[0])) continue;
    if (!strs.every((s, i) => s.includes(vals[i]))) continue;
    candidates.push({ path, vals, ...(number ? { number } : {}) });
  }
  candidates.sort((a, b) => strs[0].indexOf(a.vals[0]) - strs[0].indexOf(b.vals[0]));
  const limited = candidates.slice(0, 8);
  // Values that are the same everywhere but still feed this field (a shared tag), confirmed by a probe.
  const constants: { path: Path; vals: string[]; number?: boolean }[] = [];
  if (ctx.probeBatch && limited.length) {
    for (const path of index.scalarPaths(samples)) {
      const v = index.valueIn(samples[0], path);
      if (typeof v !== 'string' || v.length < 2 || !samples.every((si) => index.valueIn(si, path) === v))
        continue;
      if (strs[0].split(v).length !== 2) continue;
      if (feeds(ctx, samples[0], path, at)) constants.push({ path, vals: samples.map(() => v) });
    }
  }
  for (let k = 1; k <= Math.min(3, limited.length); k++) {
    for (const varying of combinations(limited, k)) {
      const combo = [
        ...varying,
        ...constants.filter(
          (c) => !varying.some((x) => x.vals[0].includes(c.vals[0]) || c.vals[0].includes(x.vals[0])),
        ),
      ].sort((a, b) => strs[0].indexOf(a.vals[0]) - strs[0].indexOf(b.vals[0]));
      const tmpl = fitTemplate(combo, strs) ?? fitTemplate(varying, strs);
      if (tmpl && !fitTemplate(combo, strs)) combo.splice(0, combo.length, ...varying);
      if (tmpl) {
        const format = tmpl.literals
          .map(escapePrintf)
          .reduce((acc, lit, i) => (i === 0 ? lit : `${acc}${combo[i - 1].number ? '%v' : '%s'}${lit}`), '');
        return {
          t: 'expr',
          expr: `printf ${goString(format)} ${combo.map((c) => valuesRef(c.path)).join(' ')} | toJson`,
          paths: combo.map((c) => c.path),
        };
      }
    }
  }
  void hint;
  for (const path of index.listPaths(samples)) {
    const lists = samples.map((si) => index.valueIn(si, path) as unknown[]);
    for (const sep of [',', ', ', ' ', '\n']) {
      if (lists.every((l, i) => l.every((x) => typeof x === 'string') && l.join(sep) === strs[i])) {
        return { t: 'expr', expr: `join ${goString(sep)} ${valuesRef(path)} | toJson`, paths: [path] };
      }
    }
  }
  return undefined;
}

function* combinations<T>(items: readonly T[], k: number, start = 0): Generator<T[]> {
  if (k === 0) {
    yield [];
    return;
  }
  for (let i = start; i <= items.length - k; i++)
    for (const rest of combinations(items, k - 1, i + 1)) yield [items[i], ...rest];
}

/** Literals L0..Lk such that every sample's string is L0 + v1 + L1 + … + vk + Lk (values in the given order, leftmost occurrences in sample 0). */
function fitTemplate(
  combo: readonly { vals: string[] }[],
  strs: readonly string[],
): { literals: string[] } | undefined {
  const first = strs[0];
  const literals: string[] = [];
  let pos = 0;
  for (const c of combo) {
    const at = first.indexOf(c.vals[0], pos);
    if (at < 0) return undefined;
    literals.push(first.slice(pos, at));
    pos = at + c.vals[0].length;
  }
  literals.push(first.slice(pos));
  const ok = strs.every((s, i) => {
    let out = literals[0];
    combo.forEach((c, j) => (out += c.vals[i] + literals[j + 1]));
    return out === s;
  });
  return ok ? { literals } : undefined;
}

function selectorSwitch(
  index: ValuesIndex,
  samples: readonly number[],
  values: readonly unknown[],
  hint: readonly string[],
  ctx: InferenceContext,
  at: Path,
): TemplateNode | undefined {
  const candidates: { path: Path; cases: { when: unknown; value: unknown }[]; score: number }[] = [];
  for (const path of index.scalarPaths(samples)) {
    const groups = new Map<string, unknown>();
    let ok = true;
    samples.forEach((si, i) => {
      const key = canonical(index.valueIn(si, path));
      if (groups.has(key) && !deepEqual(groups.get(key), values[i])) ok = false;
      groups.set(key, values[i]);
    });
    if (!ok || groups.size < 2) continue;
    const first = index.valueIn(samples[0], path);
    if (typeof first !== 'boolean' && typeof first !== 'string') continue;
    const words = path.map(String).flatMap((p) => p.toLowerCase().split(/[^a-z0-9]+/));
    // Fewer groups = coarser selector (an enum over the platform) — preferred; then name relevance.
    const score =
      selectorWeight(first, path, ctx.enumPaths) / 5 -
      groups.size * 5 +
      words.filter((w) => w && hint.some((h) => h.includes(w))).length * 10 -
      path.length;
    candidates.push({
      path,
      score,
      cases: [...groups.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => ({ when: JSON.parse(k), value: v })),
    });
  }
  candidates.sort((a, b) => b.score - a.score);
  // Several values may correlate with the field by chance: switch the selector in a synthesis and keep
  // the first whose change moves the field to the other case; a selector the field does not follow is
  // rejected, and one that cannot be changed alone is used only when nothing else is left.
  let unverified: (typeof candidates)[number] | undefined;
  candidates: for (const c of candidates) {
    for (const si of samples) {
      const own = index.valueIn(si, c.path);
      const other = c.cases.find((x) => !deepEqual(x.when, own));
      const o = ctx.probe && other ? ctx.probe(si, c.path, other.when) : undefined;
      if (!o) continue;
      const got = at.reduce<any>((cur, seg) => (cur == null ? undefined : cur[seg]), o);
      if (deepEqual(got, other!.value)) return { t: 'switch', path: c.path, cases: c.cases };
      continue candidates;
    }
    unverified ??= c;
  }
  return unverified ? { t: 'switch', path: unverified.path, cases: unverified.cases } : undefined;
}

/** Value paths a template node reads (for the chart README and tests). */
export function referencedPaths(node: TemplateNode, out: Path[] = []): Path[] {
  switch (node.t) {
    case 'expr':
      out.push(...node.paths);
      break;
    case 'switch':
      out.push(node.path);
      break;
    case 'map':
      for (const e of node.entries) {
        if (e.condition) out.push(e.condition.path);
        referencedPaths(e.node, out);
      }
      break;
    case 'list':
      node.items.forEach((i) => referencedPaths(i, out));
      break;
  }
  return out;
}

/**
 * A field that is the same in every sample may still come from a value (the same tag in every
 * environment, say). Bind it when changing that value in a synthesis changes the field accordingly,
 * so that a later per-environment change only touches that environment's values.
 */
function bindLiteral(
  index: ValuesIndex,
  samples: readonly number[],
  value: unknown,
  at: Path,
  ctx: InferenceContext,
): TemplateNode {
  const literal: TemplateNode = { t: 'literal', value };
  if (!ctx.probeBatch) return literal;
  if (isPlainObject(value)) {
    const entries = Object.entries(value).map(([k, v]) => ({
      key: k,
      node: bindLiteral(index, samples, v, [...at, k], ctx),
    }));
    return entries.some((e) => e.node.t !== 'literal') ? { t: 'map', entries } : literal;
  }
  if (Array.isArray(value)) {
    // A list that is a list value (CIDRs, hosts): bound whole, as Helm replaces lists whole.
    for (const path of index.listPaths(samples)) {
      if (!value.length || !samples.every((si) => deepEqual(index.valueIn(si, path), value))) continue;
      const changed =
        value.length > 1 && !deepEqual(value[0], value[value.length - 1])
          ? [...value].reverse()
          : [...value, value[0]];
      const o = ctx.probe?.(samples[0], path, changed);
      const got = o ? at.reduce<any>((cur, seg) => (cur == null ? undefined : cur[seg]), o) : undefined;
      if (got !== undefined && deepEqual(got, changed))
        return { t: 'expr', expr: `${valuesRef(path)} | toJson`, paths: [path] };
    }
    const items = value.map((v, i) => bindLiteral(index, samples, v, [...at, i], ctx));
    return items.some((n) => n.t !== 'literal') ? { t: 'list', items } : literal;
  }
  if (typeof value === 'string' && value.length >= 1)
    return bindString(index, samples, value, at, ctx) ?? literal;
  if (typeof value === 'number') return bindNumber(index, samples, value, at, ctx) ?? literal;
  return literal;
}

/** Whether the value at `path` feeds the field at `at`: changing it changes the field to contain the new value. */
function feeds(ctx: InferenceContext, sample: number, path: Path, at: Path): boolean {
  const r = ctx.probeBatch?.(sample, path, at);
  if (!r) return false;
  if (typeof r.changed === 'number')
    return r.field === r.changed || (typeof r.field === 'string' && r.field.includes(String(r.changed)));
  return typeof r.field === 'string' && typeof r.changed === 'string' && r.field.includes(r.changed);
}

function probeField(ctx: InferenceContext, sample: number, path: Path, changed: unknown, at: Path): unknown {
  const o = ctx.probe!(sample, path, changed);
  if (!o) return undefined;
  return at.reduce<any>((cur, seg) => (cur == null ? undefined : cur[seg]), o);
}

function bindNumber(
  index: ValuesIndex,
  samples: readonly number[],
  value: number,
  at: Path,
  ctx: InferenceContext,
): TemplateNode | undefined {
  for (const path of index.scalarPaths(samples)) {
    if (!samples.every((si) => index.valueIn(si, path) === value)) continue;
    if (feeds(ctx, samples[0], path, at)) {
      return { t: 'expr', expr: `${valuesRef(path)} | toJson`, paths: [path] };
    }
  }
  return undefined;
}

function bindString(
  index: ValuesIndex,
  samples: readonly number[],
  value: string,
  at: Path,
  ctx: InferenceContext,
): TemplateNode | undefined {
  // String values, and numbers written into a string (a quota of "20" pods), that occur in the field.
  const found: { path: Path; v: string; number?: boolean }[] = [];
  for (const path of index.scalarPaths(samples)) {
    const raw = index.valueIn(samples[0], path);
    const number = typeof raw === 'number';
    if (typeof raw !== 'string' && !(number && Number.isFinite(raw))) continue;
    const v = String(raw);
    if (!value.includes(v) || (v.length < 2 && v !== value)) continue;
    if (!samples.every((si) => index.valueIn(si, path) === raw)) continue;
    found.push({ path, v, ...(number ? { number } : {}) });
  }
  // Longest values first: a host name before a word inside it.
  found.sort((a, b) => b.v.length - a.v.length || a.path.length - b.path.length);
  const bound: { path: Path; v: string; number?: boolean }[] = [];
  for (const f of found) {
    if (bound.some((b) => b.v.includes(f.v) || f.v.includes(b.v))) continue;
    if (value.split(f.v).length === 2 && feeds(ctx, samples[0], f.path, at)) bound.push(f);
  }
  if (bound.length) {
    bound.sort((a, b) => value.indexOf(a.v) - value.indexOf(b.v));
    const literals: string[] = [];
    let pos = 0;
    for (const b of bound) {
      const i = value.indexOf(b.v, pos);
      literals.push(value.slice(pos, i));
      pos = i + b.v.length;
    }
    literals.push(value.slice(pos));
    if (literals.length === 2 && literals[0] === '' && literals[1] === '' && !bound[0].number) {
      return { t: 'expr', expr: `${valuesRef(bound[0].path)} | toJson`, paths: [bound[0].path] };
    }
    const format = literals
      .map(escapePrintf)
      .reduce((acc, lit, i) => (i === 0 ? lit : `${acc}${bound[i - 1].number ? '%v' : '%s'}${lit}`), '');
    return {
      t: 'expr',
      expr: `printf ${goString(format)} ${bound.map((b) => valuesRef(b.path)).join(' ')} | toJson`,
      paths: bound.map((b) => b.path),
    };
  }
  for (const path of index.listPaths(samples)) {
    const l = index.valueIn(samples[0], path) as unknown[];
    if (!l.length || !l.every((x) => typeof x === 'string')) continue;
    if (!samples.every((si) => deepEqual(index.valueIn(si, path), l))) continue;
    for (const sep of [',', ', ', ' ']) {
      if ((l as string[]).join(sep) !== value) continue;
      // A probe list that stays valid for constructs that check entries (CIDRs): reorder or repeat.
      const changed =
        l.length > 1 && l[0] !== l[l.length - 1]
          ? [...(l as string[])].reverse()
          : [...(l as string[]), l[0] as string];
      if (probeField(ctx, samples[0], path, changed, at) === changed.join(sep)) {
        return { t: 'expr', expr: `join ${goString(sep)} ${valuesRef(path)} | toJson`, paths: [path] };
      }
    }
  }
  return undefined;
}

/**
 * An image pinned by digest in some samples only (`repo:tag@sha256:…` where a digest value is set,
 * `repo:tag` where it is not — an unresolved image, or an environment that follows tags): the field is
 * the part before `@`, inferred as usual, plus `@<digest>` when the value is set.
 */
function optionalDigest(
  index: ValuesIndex,
  samples: readonly number[],
  strs: readonly string[],
  at: Path,
  ctx: InferenceContext,
  hint: readonly string[],
): TemplateNode | undefined {
  for (const path of index.paths) {
    const vals = samples.map((si) => index.valueIn(si, path));
    const set = vals.map((v) => typeof v === 'string' && v.length > 0);
    if (!set.some(Boolean) || set.every(Boolean)) continue;
    if (!vals.every((v, i) => (set[i] ? strs[i].endsWith(`@${v as string}`) : v === undefined || v === '')))
      continue;
    if (!vals.every((v, i) => set[i] || !/@sha256:/.test(strs[i]))) continue;
    const bases = strs.map((s, i) => (set[i] ? s.slice(0, s.length - (vals[i] as string).length - 1) : s));
    let base: TemplateNode;
    try {
      base = inferNode(index, samples, bases, at, ctx, hint);
    } catch (err) {
      if (err instanceof TemplateInferenceError) continue;
      throw err;
    }
    let baseExpr: string;
    if (base.t === 'literal' && typeof base.value === 'string') baseExpr = goString(base.value);
    else if (base.t === 'expr' && base.expr.endsWith(' | toJson'))
      baseExpr = `(${base.expr.slice(0, -' | toJson'.length)})`;
    else continue;
    const ref = valuesRef(path);
    return {
      t: 'expr',
      expr: `printf "%s%s" ${baseExpr} (ternary (printf "@%s" (toString ${ref})) "" (not (empty ${ref}))) | toJson`,
      paths: [...(base.t === 'expr' ? base.paths : []), path],
    };
  }
  return undefined;
}
