/**
 * What the rule files of `rules/` share: containers of a pod template, Kubernetes quantities, the
 * LimitRange defaulting the API server applies, and JSON pointers. Only types come from `../policy`
 * (the engine imports the rules, never the other way round at run time).
 */
import type { K8sObject } from '@gitops/toolchain';
import type { Finding, Index, PodTemplate } from '../policy';

export const finding = (obj: K8sObject, path: string, message: string): Finding => ({ obj, path, message });

/** One container of a pod template and where it sits. */
export interface ContainerRef {
  readonly c: any;
  /** JSON pointer of the container. */
  readonly path: string;
  /** `containers`, `initContainers` (restartPolicy Always = a sidecar) or `ephemeralContainers`. */
  readonly list: 'containers' | 'initContainers' | 'ephemeralContainers';
  /** An init container with `restartPolicy: Always`: runs for the pod's lifetime. */
  readonly sidecar: boolean;
}

/** The containers of a pod template: app containers, then init containers (sidecars included). */
export function containersOf(p: PodTemplate, withEphemeral = false): ContainerRef[] {
  const out: ContainerRef[] = [];
  const lists = withEphemeral
    ? (['containers', 'initContainers', 'ephemeralContainers'] as const)
    : (['containers', 'initContainers'] as const);
  for (const list of lists) {
    (p.spec?.[list] ?? []).forEach((c: any, i: number) =>
      out.push({
        c,
        path: `${p.specPath}/${list}/${i}`,
        list,
        sidecar: list === 'initContainers' && c?.restartPolicy === 'Always',
      }),
    );
  }
  return out;
}

/** `a/b` → `a~1b` (RFC 6901). */
export const pointerToken = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');

const QUANTITY = /^([+-]?[0-9.]+)([eE][+-]?[0-9]+|[numkMGTPE]|[KMGTPE]i)?$/;
const SUFFIX: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity (`500m`, `1Gi`, `1.5`, `1e3`, or a number) as a number; undefined if malformed. */
export function parseQuantity(q: unknown): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  if (typeof q !== 'string') return undefined;
  const m = QUANTITY.exec(q.trim());
  if (!m || !/^[+-]?(\d+\.?\d*|\.\d+)$/.test(m[1])) return undefined;
  const suffix = m[2] ?? '';
  if (/^[eE]/.test(suffix)) return Number(m[1]) * 10 ** Number(suffix.slice(1));
  return Number(m[1]) * SUFFIX[suffix];
}

/** A number printed as a quantity of `resource` for messages: `1500m`, `2Gi`, `1.5`. */
export function formatQuantity(resource: string, n: number): string {
  if (resource.endsWith('cpu') || resource === 'cpu') {
    const milli = Math.round(n * 1000);
    return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
  }
  if (resource === 'pods') return String(n);
  for (const [s, f] of [
    ['Gi', 2 ** 30],
    ['Mi', 2 ** 20],
    ['Ki', 2 ** 10],
  ] as const) {
    if (n >= f && Number.isInteger(Math.round((n / f) * 100) / 100)) return `${n / f}${s}`;
    if (n >= f) return `${Math.round((n / f) * 100) / 100}${s}`;
  }
  return String(n);
}

export const RESOURCES = ['cpu', 'memory'] as const;
export type Resource = (typeof RESOURCES)[number];

/** The `type: Container` limits of the namespace's LimitRanges (the API server applies every one). */
export function containerLimitRanges(
  ix: Index,
  namespace: string,
): { obj: K8sObject; item: any; index: number }[] {
  const out: { obj: K8sObject; item: any; index: number }[] = [];
  for (const lr of ix.byKind('LimitRange')) {
    if (ix.ns(lr) !== namespace) continue;
    (lr.spec?.limits ?? []).forEach((item: any, index: number) => {
      if (item?.type === 'Container') out.push({ obj: lr, item, index });
    });
  }
  return out;
}

/** Where an effective value came from. */
export type Origin = 'container' | 'limit' | 'LimitRange default' | 'LimitRange defaultRequest' | 'none';

export interface EffectiveAmount {
  readonly value: number | undefined;
  readonly raw: unknown;
  readonly origin: Origin;
}

/**
 * The requests and limits a container ends up with once the API server has defaulted it: a request
 * missing next to a limit takes the limit; the LimitRanger admission plugin then fills what is still
 * missing from `defaultRequest` (falling back to `default`) and `default`.
 */
export function effectiveResources(
  c: any,
  ranges: readonly { item: any }[],
): Record<'requests' | 'limits', Record<Resource, EffectiveAmount>> {
  const res = c?.resources ?? {};
  const pick = (m: any, r: Resource) => (m && m[r] !== undefined ? m[r] : undefined);
  const out = { requests: {}, limits: {} } as Record<
    'requests' | 'limits',
    Record<Resource, EffectiveAmount>
  >;
  for (const r of RESOURCES) {
    let limit: EffectiveAmount = { value: undefined, raw: undefined, origin: 'none' };
    if (pick(res.limits, r) !== undefined)
      limit = { value: parseQuantity(res.limits[r]), raw: res.limits[r], origin: 'container' };
    let request: EffectiveAmount = { value: undefined, raw: undefined, origin: 'none' };
    if (pick(res.requests, r) !== undefined)
      request = { value: parseQuantity(res.requests[r]), raw: res.requests[r], origin: 'container' };
    else if (limit.origin === 'container') request = { ...limit, origin: 'limit' };
    for (const { item } of ranges) {
      if (limit.origin === 'none' && pick(item.default, r) !== undefined)
        limit = { value: parseQuantity(item.default[r]), raw: item.default[r], origin: 'LimitRange default' };
      if (request.origin === 'none') {
        const d = pick(item.defaultRequest, r) ?? pick(item.default, r);
        if (d !== undefined)
          request = {
            value: parseQuantity(d),
            raw: d,
            origin:
              pick(item.defaultRequest, r) !== undefined ? 'LimitRange defaultRequest' : 'LimitRange default',
          };
      }
    }
    out.requests[r] = request;
    out.limits[r] = limit;
  }
  return out;
}

/** `Deployment shop/web` */
export const describe = (o: K8sObject): string =>
  `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name ?? ''}`;

/**
 * Registry, repository and tag of an image reference, the way the container runtime reads it
 * (`nginx:1.27` is `docker.io/library/nginx`... without the `library/`, as the policies compare it).
 */
export function splitImage(image: string): { registry: string; repository: string; tag?: string } {
  const rest = image.split('@')[0];
  const slash = rest.indexOf('/');
  const first = slash === -1 ? '' : rest.slice(0, slash);
  const hasRegistry = first.includes('.') || first.includes(':') || first === 'localhost';
  const path = hasRegistry ? rest.slice(slash + 1) : rest;
  const colon = path.lastIndexOf(':');
  return {
    registry: hasRegistry ? first : 'docker.io',
    repository: colon === -1 ? path : path.slice(0, colon),
    tag: colon === -1 ? undefined : path.slice(colon + 1),
  };
}
