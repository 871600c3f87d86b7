/**
 * Template inference errors say what to do: which values differ between the environments involved,
 * and which construct option decides the object, field or list entry.
 */
import { ApiObject } from 'cdk8s';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { baseValuesSchema, defineSystem, platformOf } from './system';
import { renderSystem } from './pipeline';
import { TemplateInferenceError } from './template-inference';

const schema = baseValuesSchema
  .extend({
    replicas: z.number().int(),
    autoscaling: z.object({ enabled: z.boolean(), minReplicas: z.number().int() }).strict(),
    hosts: z.array(z.string()),
  })
  .strict();
type V = z.infer<typeof schema>;
const cluster = { name: 'c', server: 'https://c.example.com', kubernetesVersion: '1.31.0', region: 'x' };

function system(build: (chart: any, v: V) => void) {
  return defineSystem<V>({
    name: 'hints',
    description: 'inference error fixture',
    chartVersion: '0.1.0',
    appVersion: 'v1',
    schema,
    argoSource: 'helm',
    defaults: {
      namespace: 'hints',
      cluster,
      platform: platformOf('dev'),
      replicas: 1,
      autoscaling: { enabled: false, minReplicas: 2 },
      hosts: ['a.example.com'],
    },
    environments: {
      dev: {},
      prod: { autoscaling: { enabled: true } },
      'mini-corp': { replicas: 3, hosts: ['a.example.com', 'lab.example.com'] },
    },
    build,
  });
}

const errorOf = (s: ReturnType<typeof system>): string => {
  try {
    renderSystem(s);
  } catch (err) {
    if (err instanceof TemplateInferenceError) return err.message;
    throw err;
  }
  throw new Error('expected a TemplateInferenceError, but the system rendered');
};

describe('TemplateInferenceError messages', () => {
  it('a PDB that depends on two values names them and the construct option that decides', () => {
    const msg = errorOf(
      system((chart, v) => {
        // the platform's rule: at least 2 pods always (replicas without autoscaler, or the autoscaler's minimum)
        if (v.autoscaling.enabled ? v.autoscaling.minReplicas >= 2 : v.replicas >= 2)
          new ApiObject(chart, 'pdb', {
            apiVersion: 'policy/v1',
            kind: 'PodDisruptionBudget',
            metadata: { name: 'web', namespace: v.namespace },
            spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } },
          });
      }),
    );
    expect(msg).toMatch(/PodDisruptionBudget\/web exists in prod, mini-corp.* but not in defaults, dev/);
    expect(msg).toContain('autoscaling.enabled (defaults=false, dev=false, prod=true, mini-corp=false)');
    expect(msg).toContain('replicas (defaults=1, dev=1, prod=1, mini-corp=3)');
    expect(msg).toContain('set `podDisruptionBudget` explicitly');
  });

  it('a list entry present only in one environment says so', () => {
    const msg = errorOf(
      system((chart, v) => {
        new ApiObject(chart, 'cm', {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'hosts', namespace: v.namespace },
          data: { first: v.hosts[0] },
          // a list built from a value but not the value itself
          binaryData: undefined,
          immutable: false,
          ...(v.hosts.length > 1 ? { extra: v.hosts.map((h) => `${h}.`) } : { extra: [`${v.hosts[0]}.`] }),
        });
      }),
    );
    expect(msg).toMatch(/field extra differs between environments/);
    expect(msg).toMatch(
      /the list has 1 entries in defaults, 1 entries in dev, 1 entries in prod, 2 entries in mini-corp.*: an entry present only in some environments needs a boolean value/,
    );
  });
});
