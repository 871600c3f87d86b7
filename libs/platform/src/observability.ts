/**
 * Observability for kube-prometheus-stack (seed 003 runs v67.6.1): ServiceMonitors, and
 * PrometheusRules generated from typed SLO objectives (SLI recording rules, targets, and
 * multi-window multi-burn-rate alerts).
 */
import { Construct } from 'constructs';
import { assertInt, ConfigError, kubeObject, SYNC_WAVE, SYNC_WAVE_ANNOTATION } from './core';
import * as monitoring from './imports/monitoring.coreos.com';

type Rule = monitoring.PrometheusRuleSpecGroupsRules;
const promql = (e: string) => monitoring.PrometheusRuleSpecGroupsRulesExpr.fromString(e);

/** The label kube-prometheus-stack selects ServiceMonitors/PrometheusRules by (its Helm release). */
export const PROMETHEUS_RELEASE_LABEL = { release: 'kube-prometheus-stack' } as const;

export interface ServiceMonitorProps {
  readonly name: string;
  readonly namespace: string;
  /** Labels of the emitted objects. @default none */
  readonly labels?: Record<string, string>;
  /** Labels of the Service(s) to scrape. */
  readonly selector: Record<string, string>;
  /** Name of the Service port to scrape. */
  readonly port: string;
  /** @default '/metrics' */
  readonly path?: string;
  /** @default '30s' */
  readonly interval?: string;
}

/**
 * Argo CD's label tracking rewrites `app.kubernetes.io/instance` to the Application name on every
 * object it manages (Services included), so a ServiceMonitor never selects on it: the name and
 * component labels identify the Service inside the namespace.
 */
export const TRACKING_LABEL = 'app.kubernetes.io/instance';
function trackingSafe(selector: Record<string, string>): Record<string, string> {
  const { [TRACKING_LABEL]: _instance, ...rest } = selector;
  return rest;
}

/**
 * A `monitoring.coreos.com/v1` ServiceMonitor picked up by kube-prometheus-stack. The selector drops
 * {@link TRACKING_LABEL} (see there).
 */
export class ServiceMonitor extends Construct {
  constructor(scope: Construct, id: string, props: ServiceMonitorProps) {
    super(scope, id);
    const interval = props.interval ?? '30s';
    if (!/^\d+(s|m)$/.test(interval))
      throw new ConfigError(`${this.node.path}: interval "${interval}" must look like 30s or 1m`);
    kubeObject(
      this,
      'Resource',
      monitoring.ServiceMonitor,
      {
        name: props.name,
        namespace: props.namespace,
        labels: { ...props.labels, ...PROMETHEUS_RELEASE_LABEL },
        annotations: { [SYNC_WAVE_ANNOTATION]: SYNC_WAVE.workload },
      },
      {
        spec: {
          selector: { matchLabels: trackingSafe(props.selector) },
          endpoints: [{ port: props.port, path: props.path ?? '/metrics', interval }],
        },
      },
    );
  }
}

/** Where the HTTP SLIs come from. */
export interface HttpMetrics {
  /** PromQL label matchers selecting the service, e.g. `namespace="tickets-dev",job="aegis-tickets-backend"`. */
  readonly selector: string;
  /** Counter of requests with a `status`/`code` label. @default 'http_requests_total' */
  readonly requestsTotal?: string;
  /** Label holding the HTTP status. @default 'status' */
  readonly statusLabel?: string;
  /** Histogram of request durations (seconds). @default 'http_request_duration_seconds' */
  readonly durationHistogram?: string;
}

/** Typed SLO objectives (seed 003's table). */
export interface SloObjectives {
  /** Availability target as a fraction, e.g. 0.999, over `windowDays`. */
  readonly availability: { readonly target: number; readonly windowDays: number };
  /** p95 latency threshold in seconds, e.g. 0.8. */
  readonly latencyP95Seconds: number;
  /** Maximum error rate as a fraction, e.g. 0.01. */
  readonly maxErrorRate: number;
  /** DB connection saturation: PromQL giving used/max connections, and the maximum fraction (0.8). @default none */
  readonly dbSaturation?: { readonly expr: string; readonly max: number };
}

export interface SloRulesProps {
  readonly name: string;
  readonly namespace: string;
  /** Labels of the emitted objects. @default none */
  readonly labels?: Record<string, string>;
  /** Service name in alert labels. */
  readonly service: string;
  readonly metrics: HttpMetrics;
  readonly objectives: SloObjectives;
}

/** The burn-rate windows of the SRE workbook: [long, short, factor, severity]. */
export const BURN_RATE_WINDOWS = [
  ['1h', '5m', 14.4, 'critical'],
  ['6h', '30m', 6, 'critical'],
  ['1d', '2h', 3, 'warning'],
  ['3d', '6h', 1, 'warning'],
] as const;

function fraction(path: string, field: string, v: number, exclusiveMax = 1) {
  if (!(typeof v === 'number' && v > 0 && v < exclusiveMax))
    throw new ConfigError(`${path}: ${field} must be a fraction between 0 and 1 (e.g. 0.999), got ${v}`);
}

/** Round to avoid float noise (0.0144000000001) in the rules. */
const r = (n: number) => Number(n.toPrecision(6));

/**
 * A PrometheusRule with the seed's recording rules (`sli:http:request_duration_seconds:p95`,
 * `sli:http:request_rate:5m`, `sli:http:error_rate:5m`, `sli:db:saturation:connections`,
 * `slo:availability:target`, `slo:latency:target`, `slo:error_rate:target`), error ratios over the
 * burn-rate windows, and burn-rate / threshold alerts.
 */
export class SloRules extends Construct {
  constructor(scope: Construct, id: string, props: SloRulesProps) {
    super(scope, id);
    const path = this.node.path;
    const o = props.objectives;
    fraction(path, 'objectives.availability.target', o.availability.target);
    assertInt(path, 'objectives.availability.windowDays', o.availability.windowDays, 1, 90);
    fraction(path, 'objectives.maxErrorRate', o.maxErrorRate);
    if (!(o.latencyP95Seconds > 0))
      throw new ConfigError(
        `${path}: objectives.latencyP95Seconds must be positive, got ${o.latencyP95Seconds}`,
      );
    if (o.dbSaturation) fraction(path, 'objectives.dbSaturation.max', o.dbSaturation.max, 1.000001);
    const m = props.metrics;
    const total = m.requestsTotal ?? 'http_requests_total';
    const status = m.statusLabel ?? 'status';
    const hist = m.durationHistogram ?? 'http_request_duration_seconds';
    const sel = m.selector;
    const errSel = `${sel},${status}=~"5.."`;
    const errorRatio = (w: string) =>
      `sum(rate(${total}{${errSel}}[${w}])) / clamp_min(sum(rate(${total}{${sel}}[${w}])), 1e-9)`;
    const labels = { service: props.service };
    const recording: Rule[] = [
      {
        record: 'sli:http:request_duration_seconds:p95',
        expr: promql(`histogram_quantile(0.95, sum by (le) (rate(${hist}_bucket{${sel}}[5m])))`),
        labels,
      },
      { record: 'sli:http:request_rate:5m', expr: promql(`sum(rate(${total}{${sel}}[5m]))`), labels },
      { record: 'sli:http:error_rate:5m', expr: promql(errorRatio('5m')), labels },
    ];
    const windows = new Set<string>();
    for (const [long, short] of BURN_RATE_WINDOWS) {
      windows.add(short);
      windows.add(long);
    }
    windows.delete('5m');
    for (const w of windows)
      recording.push({ record: `sli:http:error_rate:${w}`, expr: promql(errorRatio(w)), labels });
    if (o.dbSaturation)
      recording.push({ record: 'sli:db:saturation:connections', expr: promql(o.dbSaturation.expr), labels });
    recording.push(
      { record: 'slo:availability:target', expr: promql(`vector(${o.availability.target})`), labels },
      { record: 'slo:latency:target', expr: promql(`vector(${o.latencyP95Seconds})`), labels },
      { record: 'slo:error_rate:target', expr: promql(`vector(${o.maxErrorRate})`), labels },
    );
    if (o.dbSaturation)
      recording.push({
        record: 'slo:db_saturation:target',
        expr: promql(`vector(${o.dbSaturation.max})`),
        labels,
      });
    const budget = r(1 - o.availability.target);
    const alerts: Rule[] = BURN_RATE_WINDOWS.map(([long, short, factor, severity]) => ({
      alert: `${pascal(props.service)}ErrorBudgetBurn${long}`,
      expr: promql(
        `sli:http:error_rate:${long}{service="${props.service}"} > ${r(factor * budget)}` +
          ` and sli:http:error_rate:${short}{service="${props.service}"} > ${r(factor * budget)}`,
      ),
      for: severity === 'critical' ? '2m' : '15m',
      labels: { severity, service: props.service, slo: 'availability' },
      annotations: {
        summary: `${props.service} is burning its ${o.availability.windowDays}-day error budget ${factor}x too fast`,
        description: `Availability SLO ${r(o.availability.target * 100)}% over ${o.availability.windowDays}d; error ratio over ${long} and ${short} exceeds ${factor} x ${budget}.`,
      },
    }));
    alerts.push(
      {
        alert: `${pascal(props.service)}LatencyP95High`,
        expr: promql(
          `sli:http:request_duration_seconds:p95{service="${props.service}"} > ${o.latencyP95Seconds}`,
        ),
        for: '10m',
        labels: { severity: 'warning', service: props.service, slo: 'latency' },
        annotations: { summary: `${props.service} p95 latency above ${o.latencyP95Seconds * 1000} ms` },
      },
      {
        alert: `${pascal(props.service)}ErrorRateHigh`,
        expr: promql(`sli:http:error_rate:5m{service="${props.service}"} > ${o.maxErrorRate}`),
        for: '10m',
        labels: { severity: 'warning', service: props.service, slo: 'error-rate' },
        annotations: { summary: `${props.service} error rate above ${r(o.maxErrorRate * 100)}%` },
      },
    );
    if (o.dbSaturation) {
      alerts.push({
        alert: `${pascal(props.service)}DbConnectionSaturation`,
        expr: promql(`sli:db:saturation:connections{service="${props.service}"} > ${o.dbSaturation.max}`),
        for: '5m',
        labels: { severity: 'warning', service: props.service, slo: 'db-saturation' },
        annotations: {
          summary: `${props.service} uses more than ${r(o.dbSaturation.max * 100)}% of its database connections`,
        },
      });
    }
    kubeObject(
      this,
      'Resource',
      monitoring.PrometheusRule,
      {
        name: props.name,
        namespace: props.namespace,
        labels: { ...props.labels, ...PROMETHEUS_RELEASE_LABEL },
        annotations: { [SYNC_WAVE_ANNOTATION]: SYNC_WAVE.workload },
      },
      {
        spec: {
          groups: [
            { name: `${props.service}.slo.recording`, interval: '30s', rules: recording },
            { name: `${props.service}.slo.alerts`, rules: alerts },
          ],
        },
      },
    );
  }
}

function pascal(s: string): string {
  return s.replace(/(^|[-_.])([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
}
