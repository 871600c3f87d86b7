/**
 * `limitrange-bounds`: every container's requests and limits, as the API server defaults them, lie
 * within the namespace's LimitRange — otherwise the LimitRanger admission plugin refuses the pod and
 * the Deployment never gets a replica ("maximum cpu usage per Container is 1, but limit is 1500m").
 *
 * The typical way in: a cdk8s-plus-28 container left with its implicit 1500m / 2048Mi limits in a
 * namespace whose LimitRange allows less, or a request larger than the LimitRange's default limit on a
 * container that sets no limit (the defaulted limit is then below the request).
 */
import type { PolicyRule, Finding } from '../policy';
import {
  containerLimitRanges,
  containersOf,
  describe,
  effectiveResources,
  finding,
  formatQuantity,
  parseQuantity,
  RESOURCES,
} from './util';

export const limitRangeBounds: PolicyRule = {
  id: 'limitrange-bounds',
  title: "Requests and limits within the namespace's LimitRange",
  description:
    'Every container (init containers and sidecars included) has requests and limits within the min/max of each `type: Container` LimitRange of its namespace, requests <= limits once the LimitRange defaults are applied, and limit/request within maxLimitRequestRatio; otherwise the API server refuses the pod.',
  check(ix) {
    const out: Finding[] = [];
    for (const p of ix.pods) {
      const ranges = containerLimitRanges(ix, ix.ns(p.obj));
      if (!ranges.length) continue;
      for (const { c, path } of containersOf(p)) {
        const eff = effectiveResources(c, ranges);
        const from = (kind: 'requests' | 'limits', r: string) => {
          const e = eff[kind][r as 'cpu' | 'memory'];
          return e.origin === 'container'
            ? ''
            : e.origin === 'limit'
              ? ' (the request defaults to the limit)'
              : ` (from the ${e.origin}: the container sets none)`;
        };
        for (const r of RESOURCES) {
          const req = eff.requests[r];
          const lim = eff.limits[r];
          for (const { obj: lr, item } of ranges) {
            const max = parseQuantity(item.max?.[r]);
            const min = parseQuantity(item.min?.[r]);
            const where = `LimitRange ${lr.metadata?.name} of namespace ${ix.ns(p.obj) || '(default)'}`;
            for (const [kind, e] of [
              ['limits', lim],
              ['requests', req],
            ] as const) {
              if (e.value === undefined) continue;
              const field = `${path}/resources/${kind}/${r}`;
              if (max !== undefined && e.value > max) {
                out.push(
                  finding(
                    p.obj,
                    field,
                    `container ${c.name} of ${describe(p.obj)}: ${kind}.${r} ${String(e.raw)}${from(kind, r)} exceeds the maximum ${item.max[r]} of ${where}; the API server refuses the pod: lower it to ${item.max[r]} or less`,
                  ),
                );
              }
              if (min !== undefined && e.value < min) {
                out.push(
                  finding(
                    p.obj,
                    field,
                    `container ${c.name} of ${describe(p.obj)}: ${kind}.${r} ${String(e.raw)}${from(kind, r)} is below the minimum ${item.min[r]} of ${where}; the API server refuses the pod`,
                  ),
                );
              }
            }
            const ratio = parseQuantity(item.maxLimitRequestRatio?.[r]);
            if (
              ratio !== undefined &&
              req.value &&
              lim.value !== undefined &&
              lim.value / req.value > ratio
            ) {
              out.push(
                finding(
                  p.obj,
                  `${path}/resources/limits/${r}`,
                  `container ${c.name} of ${describe(p.obj)}: limits.${r}/requests.${r} is ${Math.round((lim.value / req.value) * 100) / 100}, above the maxLimitRequestRatio ${item.maxLimitRequestRatio[r]} of ${where}`,
                ),
              );
            }
          }
          if (req.value !== undefined && lim.value !== undefined && req.value > lim.value) {
            out.push(
              finding(
                p.obj,
                `${path}/resources/requests/${r}`,
                `container ${c.name} of ${describe(p.obj)}: requests.${r} ${formatQuantity(r, req.value)}${from('requests', r)} exceeds limits.${r} ${formatQuantity(r, lim.value)}${from('limits', r)}; the API server refuses the pod: set limits.${r} explicitly`,
              ),
            );
          }
        }
      }
    }
    return out;
  },
};
