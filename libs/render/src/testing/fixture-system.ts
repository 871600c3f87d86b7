/**
 * A small system exercising every emitter feature: per-environment image tags and registries,
 * optional HPA (replicas omitted), a prod-only PodDisruptionBudget, an enum-selected ingress class and
 * annotations, a list joined into an annotation, a PreSync hook, a text containing `{{`, and
 * per-environment namespaces.
 */
import { ApiObject } from 'cdk8s';
import { z } from 'zod';
import { baseValuesSchema, defineSystem, platformOf, type SystemDefinition } from '../system';
import { cidrSchema, imageTagSchema } from '@gitops/environments';

export const fixtureSchema = baseValuesSchema
  .extend({
    image: z.object({ repository: z.string(), tag: imageTagSchema }).strict(),
    replicas: z.number().int().min(1),
    autoscaling: z.object({ enabled: z.boolean(), maxReplicas: z.number().int().min(1) }).strict(),
    pdb: z.object({ enabled: z.boolean() }).strict(),
    ingress: z
      .object({
        host: z.string(),
        cidrs: z.array(cidrSchema).min(1),
        tls: z.object({ enabled: z.boolean() }).strict(),
      })
      .strict(),
  })
  .strict();
export type FixtureValues = z.infer<typeof fixtureSchema>;

const cluster = (name: string, version: string) => ({
  name,
  server: `https://${name}.example.com`,
  kubernetesVersion: version,
  region: 'us-east-1',
});

export function fixtureSystem(
  overrides: Partial<SystemDefinition<FixtureValues>> = {},
): SystemDefinition<FixtureValues> {
  return defineSystem<FixtureValues>({
    name: 'fixture',
    description: 'Emitter test fixture',
    chartVersion: '0.1.0',
    appVersion: 'v1.0.0',
    schema: fixtureSchema,
    defaults: {
      namespace: 'fixture',
      cluster: cluster('dev-cluster', '1.31.0'),
      platform: platformOf('dev'),
      image: { repository: '116912495274.dkr.ecr.us-east-1.amazonaws.com/fixture', tag: 'v1.0.0' },
      replicas: 1,
      autoscaling: { enabled: false, maxReplicas: 3 },
      pdb: { enabled: false },
      ingress: { host: 'fixture.dev.example.com', cidrs: ['10.0.0.0/16'], tls: { enabled: false } },
    },
    environments: {
      dev: {},
      prod: {
        namespace: 'fixture-prod',
        cluster: cluster('prod-cluster', '1.30.0'),
        platform: platformOf('prod'),
        image: { tag: 'v1.0.1' },
        autoscaling: { enabled: true },
        pdb: { enabled: true },
        ingress: {
          host: 'fixture.example.com',
          cidrs: ['10.0.0.0/16', '192.168.0.0/24'],
          tls: { enabled: true },
        },
      },
      'mini-corp': {
        cluster: cluster('mini-corp-lab', '1.30.0'),
        platform: platformOf('mini-corp'),
        image: { repository: 'registry.mini-corp.internal/fixture' },
        ingress: { host: 'fixture.mini-corp.internal', cidrs: ['192.168.10.0/24'] },
      },
    },
    build(chart, v) {
      const labels = { 'app.kubernetes.io/name': 'fixture', 'app.kubernetes.io/component': 'web' };
      new ApiObject(chart, 'deploy', {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'fixture-web', labels },
        spec: {
          ...(v.autoscaling.enabled ? {} : { replicas: v.replicas }),
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              containers: [
                {
                  name: 'web',
                  image: `${v.image.repository}:${v.image.tag}`,
                  ports: [{ containerPort: 8080 }],
                },
              ],
            },
          },
        },
      });
      if (v.autoscaling.enabled) {
        new ApiObject(chart, 'hpa', {
          apiVersion: 'autoscaling/v2',
          kind: 'HorizontalPodAutoscaler',
          metadata: { name: 'fixture-web' },
          spec: {
            scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'fixture-web' },
            minReplicas: 2,
            maxReplicas: v.autoscaling.maxReplicas,
          },
        });
      }
      if (v.pdb.enabled) {
        new ApiObject(chart, 'pdb', {
          apiVersion: 'policy/v1',
          kind: 'PodDisruptionBudget',
          metadata: { name: 'fixture-web' },
          spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
        });
      }
      const alb = v.platform.ingressController === 'alb';
      new ApiObject(chart, 'ingress', {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: {
          name: 'fixture',
          annotations: alb
            ? {
                'alb.ingress.kubernetes.io/target-type': 'ip',
                'alb.ingress.kubernetes.io/inbound-cidrs': v.ingress.cidrs.join(','),
                ...(v.ingress.tls.enabled ? { 'alb.ingress.kubernetes.io/ssl-redirect': '443' } : {}),
              }
            : { 'nginx.ingress.kubernetes.io/whitelist-source-range': v.ingress.cidrs.join(',') },
        },
        spec: {
          ingressClassName: alb ? 'alb' : 'nginx',
          rules: [
            {
              host: v.ingress.host,
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: 'Prefix',
                    backend: { service: { name: 'fixture-web', port: { number: 80 } } },
                  },
                ],
              },
            },
          ],
        },
      });
      new ApiObject(chart, 'migrate', {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: {
          name: 'fixture-migrate',
          annotations: {
            'argocd.argoproj.io/hook': 'PreSync',
            'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
          },
        },
        spec: {
          template: {
            spec: {
              restartPolicy: 'Never',
              containers: [
                {
                  name: 'migrate',
                  image: `${v.image.repository}:${v.image.tag}`,
                  command: ['alembic', 'upgrade', 'head'],
                },
              ],
            },
          },
        },
      });
      new ApiObject(chart, 'cm', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'fixture-alerts' },
        data: {
          'summary.tmpl': 'Instance {{ $labels.instance }} is down\nsecond line: 100%',
          on: 'true',
          port: '8080',
        },
      });
    },
    ...overrides,
  });
}
