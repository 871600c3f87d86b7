import { describe, expect, it } from 'vitest';
import { find, ServiceMonitor, SloRules, type SloRulesProps, synth } from './index';

const props: SloRulesProps = {
  name: 'slo',
  namespace: 'test',
  service: 'shop-backend',
  metrics: { selector: 'service="shop-backend"' },
  objectives: {
    availability: { target: 0.999, windowDays: 30 },
    latencyP95Seconds: 0.8,
    maxErrorRate: 0.01,
    dbSaturation: { expr: 'x', max: 0.8 },
  },
};
const rules = (p: SloRulesProps = props) =>
  find(
    synth((c) => void new SloRules(c, 'S', p)),
    'PrometheusRule',
  );

describe('SloRules', () => {
  it('records the SLIs and targets named in seed 003', () => {
    const records = rules().spec.groups[0].rules.map((r: any) => r.record);
    for (const name of [
      'sli:http:request_duration_seconds:p95',
      'sli:http:request_rate:5m',
      'sli:http:error_rate:5m',
      'sli:db:saturation:connections',
      'slo:availability:target',
      'slo:latency:target',
      'slo:error_rate:target',
    ]) {
      expect(records).toContain(name);
    }
    const byName = Object.fromEntries(rules().spec.groups[0].rules.map((r: any) => [r.record, r.expr]));
    expect(byName['slo:availability:target']).toBe('vector(0.999)');
    expect(byName['slo:latency:target']).toBe('vector(0.8)');
    expect(byName['slo:error_rate:target']).toBe('vector(0.01)');
    expect(byName['sli:http:request_duration_seconds:p95']).toContain('histogram_quantile(0.95');
  });
  it('generates multi-window burn-rate alerts from the availability objective', () => {
    const alerts = rules().spec.groups[1].rules;
    const fast = alerts.find((a: any) => a.alert === 'ShopBackendErrorBudgetBurn1h');
    expect(fast.expr).toBe(
      'sli:http:error_rate:1h{service="shop-backend"} > 0.0144 and sli:http:error_rate:5m{service="shop-backend"} > 0.0144',
    );
    expect(fast.labels.severity).toBe('critical');
    expect(alerts.map((a: any) => a.alert)).toEqual(
      expect.arrayContaining([
        'ShopBackendLatencyP95High',
        'ShopBackendErrorRateHigh',
        'ShopBackendDbConnectionSaturation',
      ]),
    );
    expect(alerts.find((a: any) => a.alert === 'ShopBackendDbConnectionSaturation').expr).toContain('> 0.8');
  });
  it('is labelled for kube-prometheus-stack', () => {
    expect(rules().metadata.labels.release).toBe('kube-prometheus-stack');
  });
  it('rejects objectives that are not fractions', () => {
    expect(() =>
      rules({
        ...props,
        objectives: { ...props.objectives, availability: { target: 99.9, windowDays: 30 } },
      }),
    ).toThrow(/availability.target must be a fraction/);
    expect(() => rules({ ...props, objectives: { ...props.objectives, latencyP95Seconds: 0 } })).toThrow(
      /latencyP95Seconds must be positive/,
    );
  });
});

describe('ServiceMonitor', () => {
  it('scrapes a named port of the selected Service', () => {
    const m = find(
      synth(
        (c) =>
          void new ServiceMonitor(c, 'M', {
            name: 'm',
            namespace: 'test',
            selector: { a: 'b' },
            port: 'metrics',
          }),
      ),
      'ServiceMonitor',
    );
    expect(m.spec).toEqual({
      selector: { matchLabels: { a: 'b' } },
      endpoints: [{ port: 'metrics', path: '/metrics', interval: '30s' }],
    });
    expect(m.metadata.labels.release).toBe('kube-prometheus-stack');
  });
});
