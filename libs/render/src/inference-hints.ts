/**
 * What TemplateInferenceError messages add so they say what to do: the values that differ between
 * the environments involved (the candidates a user would look at first), and the construct option that
 * decides whether an object, a field or a list entry exists.
 */
import type { Path } from './values-index';
import { canonical, dotted, type ValuesIndex } from './values-index';

/** The construct option deciding whether an object of `kind` exists (platform constructs). */
const OBJECT_OPTIONS: Readonly<Record<string, string>> = {
  PodDisruptionBudget:
    'the PDB exists when the workload always runs at least 2 pods (replicas >= 2 without autoscaler, or autoscaling.minReplicas >= 2): set `podDisruptionBudget` explicitly (true/false, or from a boolean value)',
  HorizontalPodAutoscaler:
    'the HPA exists when `autoscaling` is set: pass it depending on a boolean value such as `<component>.autoscaling.enabled`',
  ScaledObject:
    'the ScaledObject exists when `queueScaling` is set: pass it depending on a boolean value such as `<component>.queueScaling.enabled`',
  TriggerAuthentication: 'it comes with `queueScaling`: pass that depending on a boolean value',
  Job: 'a `MigrationJob` exists when the system creates it: create it depending on a boolean value such as `migration.enabled`',
  Ingress:
    'create the `AppIngress` depending on a boolean or enum value (e.g. `ingress.enabled`, `platform.ingressController`)',
  ServiceAccount:
    'a workload creates its own ServiceAccount unless `serviceAccount` is given: pass that depending on a boolean/enum value (e.g. `platform.provider` for IRSA)',
  Service: 'a QueueWorker creates its Service unless `metricsService: false`; set it from a boolean value',
  ConfigMap: 'create the `ConfigMap` depending on a boolean value',
};

/** The construct option deciding a field (by its dotted path inside the object). */
const FIELD_OPTIONS: readonly [RegExp, string][] = [
  [
    /^spec\.replicas$/,
    '`spec.replicas` is omitted when `autoscaling`/`queueScaling` is set: make the autoscaler depend on a boolean value',
  ],
  [/topologySpreadConstraints/, '`zoneSpread` decides it: pass a boolean value (e.g. `platform.zoneSpread`)'],
  [
    /lifecycle/,
    '`preStopDelaySeconds`/`preStopSleep` decide the drain hook: keep them the same in every environment or take them from values',
  ],
  [/\.tls$|\.tls\./, '`tls` decides it: pass a boolean value such as `ingress.tls.enabled`'],
  [
    /metadata\.annotations\.checksum\.gitops\.platform/,
    'a ConfigMap passed as construct adds its content hash: its data differs between environments',
  ],
];

/** Where the option deciding an object or field is documented, for a message. */
export function decidingOption(kind: string | undefined, field?: string): string | undefined {
  if (field !== undefined) {
    for (const [re, text] of FIELD_OPTIONS) if (re.test(field)) return text;
    return undefined;
  }
  return kind ? OBJECT_OPTIONS[kind] : undefined;
}

/**
 * The scalar values that differ between the given samples, `path (env=value, ...)`: the values a user
 * looks at first. Numbers and free-form strings cannot select an object; booleans and enums can.
 */
export function differingValues(
  index: ValuesIndex,
  samples: readonly number[],
  labels: readonly string[],
  limit = 6,
): string {
  const out: string[] = [];
  // Environments only: the probe samples ("defaults with x=...") are the engine's, not the user's.
  samples = samples.filter((si) => !/ with /.test(labels[si] ?? ''));
  for (const p of index.scalarPaths(samples) as Path[]) {
    const vals = samples.map((si) => canonical(index.valueIn(si, p)));
    if (new Set(vals).size < 2) continue;
    const name = dotted(p);
    if (/^(cluster|namespace)\b/.test(name)) continue;
    out.push(`${name} (${samples.map((si, i) => `${labels[si]}=${vals[i]}`).join(', ')})`);
  }
  if (!out.length) return '';
  const more = out.length > limit ? `, and ${out.length - limit} more` : '';
  return `values that differ between these environments: ${out.slice(0, limit).join('; ')}${more}`;
}

/** ` — <values>; <option>` for the end of a message (empty parts left out). */
export function inferenceAdvice(parts: readonly (string | undefined)[]): string {
  const p = parts.filter((x): x is string => !!x);
  return p.length ? ` (${p.join('; ')})` : '';
}
