import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ApiObject, type Chart } from 'cdk8s';
import { stringify } from 'yaml';
import { z } from 'zod';
import { ENVIRONMENT_NAMES, type EnvironmentName } from '@gitops/environments';
import {
  baseValuesSchema,
  defineSystem,
  platformOf,
  resolveValues,
  synthesize,
  type LoadedSystem,
  type SystemDefinition,
} from '@gitops/render';

/**
 * Small systems for the tests of apps/argocd: independent of the real systems under apps/.
 * `shop` is consumed as a Kustomize overlay, `ledger` as a Helm chart.
 */
const schema = baseValuesSchema
  .extend({ replicas: z.number().int().optional(), clusterRole: z.boolean() })
  .strict();
type Values = z.infer<typeof schema>;

const CLUSTERS: Record<
  EnvironmentName,
  { name: string; server: string; kubernetesVersion: string; region: string }
> = {
  dev: {
    name: 'dev-cluster',
    server: 'https://dev.eks.example.com',
    kubernetesVersion: '1.31.0',
    region: 'us-east-1',
  },
  prod: {
    name: 'prod-cluster',
    server: 'https://prod.eks.example.com',
    kubernetesVersion: '1.30.0',
    region: 'us-east-1',
  },
  'mini-corp': {
    name: 'mini-corp',
    server: 'https://kubernetes.default.svc',
    kubernetesVersion: '1.29.4',
    region: 'lab',
  },
};

function wave(n: number) {
  return { 'argocd.argoproj.io/sync-wave': String(n) };
}

function fixture(
  name: string,
  argoSource: 'helm' | 'kustomize',
  opts: { replicas?: number; clusterRole: boolean },
): SystemDefinition<Values> {
  return defineSystem<Values>({
    name,
    description: `${name} test fixture`,
    chartVersion: '0.1.0',
    appVersion: '1.0.0',
    schema,
    argoSource,
    defaults: {
      namespace: name,
      cluster: CLUSTERS.dev,
      platform: platformOf('dev'),
      clusterRole: opts.clusterRole,
      ...(opts.replicas ? { replicas: opts.replicas } : {}),
    },
    environments: Object.fromEntries(
      ENVIRONMENT_NAMES.map((env) => [
        env,
        { cluster: CLUSTERS[env], platform: platformOf(env), namespace: `${name}-${env}` },
      ]),
    ) as SystemDefinition<Values>['environments'],
    build(chart: Chart, v: Values) {
      const ns = v.namespace;
      new ApiObject(chart, 'ns', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: ns, annotations: wave(-10) },
      });
      new ApiObject(chart, 'quota', {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'quota', namespace: ns, annotations: wave(-5) },
        spec: { hard: { pods: '20' } },
      });
      new ApiObject(chart, 'css', {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ClusterSecretStore',
        metadata: { name: `${name}-store`, annotations: wave(-5) },
        spec: { provider: { fake: { data: [] } }, conditions: [{ namespaces: [ns] }] },
      });
      new ApiObject(chart, 'es', {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: { name: 'db', namespace: ns, annotations: wave(-2) },
        spec: {
          secretStoreRef: { kind: 'ClusterSecretStore', name: `${name}-store` },
          target: { name: 'db' },
        },
      });
      if (v.clusterRole) {
        new ApiObject(chart, 'cr', {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          metadata: { name: `${name}-reader` },
          rules: [],
        });
      }
      new ApiObject(chart, 'migrate', {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: {
          name: `${name}-migrate`,
          namespace: ns,
          // A Sync-phase hook after the ExternalSecret (-2), before the workloads (0): Helm has no such hook,
          // so both forms carry Argo CD's annotations.
          annotations: {
            'argocd.argoproj.io/hook': 'Sync',
            'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
            'argocd.argoproj.io/sync-wave': '-1',
          },
        },
        spec: {
          template: {
            spec: { restartPolicy: 'Never', containers: [{ name: 'm', image: 'registry.example.com/m:v1' }] },
          },
        },
      });
      const labels = { app: name };
      new ApiObject(chart, 'deploy', {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: `${name}-api`, namespace: ns, annotations: wave(0) },
        spec: {
          ...(v.replicas ? { replicas: v.replicas } : {}),
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: 'api', image: 'registry.example.com/api:v1' }] },
          },
        },
      });
      new ApiObject(chart, 'hpa', {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: `${name}-api`, namespace: ns, annotations: wave(0) },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: `${name}-api` },
          minReplicas: 1,
          maxReplicas: 3,
        },
      });
      new ApiObject(chart, 'svc', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: `${name}-api`, namespace: ns },
        spec: { selector: labels, ports: [{ port: 80 }] },
      });
      new ApiObject(chart, 'ing', {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: name, namespace: ns, annotations: wave(10) },
        spec: { rules: [{ host: `${name}.example.com` }] },
      });
    },
  });
}

export const shopFixture = fixture('shop', 'kustomize', { clusterRole: false });
export const ledgerFixture = fixture('ledger', 'helm', { replicas: 2, clusterRole: true });

export const fixtureSystems = (): LoadedSystem[] => [
  { definition: shopFixture, root: 'apps/shop' },
  { definition: ledgerFixture, root: 'apps/ledger' },
];

/**
 * Write a throw-away repository for the fixture systems: the Argo CD files from `renderArgoCdFiles`,
 * plus a minimal chart (helm systems) or overlay (kustomize systems) per environment, standing in
 * for the lead's emitters. Only ever used under a temporary folder.
 */
export function writeFixtureRepo(
  dir: string,
  systems: LoadedSystem[],
  argoFiles: Record<string, string>,
): void {
  const write = (rel: string, text: string) => {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  };
  for (const [rel, text] of Object.entries(argoFiles)) write(rel, text);
  for (const { definition: def } of systems) {
    if (def.argoSource === 'helm') {
      write(
        `charts/${def.name}/Chart.yaml`,
        stringify({
          apiVersion: 'v2',
          name: def.name,
          version: def.chartVersion,
          appVersion: def.appVersion,
        }),
      );
      write(`charts/${def.name}/values.yaml`, 'objects: []\n');
      write(
        `charts/${def.name}/templates/objects.yaml`,
        '{{- range .Values.objects }}\n---\n{{ toYaml . }}\n{{- end }}\n',
      );
      for (const env of ENVIRONMENT_NAMES) {
        write(
          `charts/${def.name}/values-${env}.yaml`,
          stringify({ objects: synthesize(def, resolveValues(def, env)) }),
        );
      }
    } else {
      // The base holds what does not change per environment (here: the Service, without namespace).
      const service = synthesize(def, resolveValues(def, 'defaults')).find((o) => o.kind === 'Service')!;
      delete service.metadata.namespace;
      write(
        `overlays/${def.name}/base/kustomization.yaml`,
        stringify({
          apiVersion: 'kustomize.config.k8s.io/v1beta1',
          kind: 'Kustomization',
          resources: ['service.yaml'],
        }),
      );
      write(`overlays/${def.name}/base/service.yaml`, stringify(service));
      for (const env of ENVIRONMENT_NAMES) {
        const values = resolveValues(def, env);
        write(
          `overlays/${def.name}/${env}/kustomization.yaml`,
          stringify({
            apiVersion: 'kustomize.config.k8s.io/v1beta1',
            kind: 'Kustomization',
            namespace: values.namespace,
            resources: ['../base', 'objects.yaml'],
          }),
        );
        const objects = synthesize(def, values).filter((o) => o.kind !== 'Service');
        write(
          `overlays/${def.name}/${env}/objects.yaml`,
          objects.map((o) => `---\n${stringify(o)}`).join(''),
        );
      }
    }
  }
}
