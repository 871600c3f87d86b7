/**
 * Validation throughput on a generated, deterministic corpus: YAML parsing, schema lookup and strict
 * validation of every resource, as `validate` does it. Schemas are loaded before the clock starts
 * (as a warm cache would have them); the corpus contains invalid resources too, so the error path is timed.
 */
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { formatResults } from './output';
import { createValidator } from './validator';

export interface BenchmarkResult {
  readonly resources: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly valid: number;
  readonly invalid: number;
  /** sha256 of the JSON report: identical across runs for the same n. */
  readonly digest: string;
}

const REGISTRY = '116912495274.dkr.ecr.us-east-1.amazonaws.com';

function resource(i: number): Record<string, unknown> {
  const name = `app-${String(i).padStart(5, '0')}`;
  const ns = `team-${i % 7}`;
  const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': `system-${i % 13}` };
  const metadata = {
    name,
    namespace: ns,
    labels,
    annotations: { 'argocd.argoproj.io/sync-wave': String(i % 3) },
  };
  const broken = i % 97 === 13; // ~1% invalid resources
  switch (i % 10) {
    case 0:
    case 1:
    case 2:
      return {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata,
        spec: {
          replicas: broken ? 'two' : 2,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
              containers: [
                {
                  name: 'app',
                  image: `${REGISTRY}/${name}:v1.${i % 50}.0`,
                  ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
                  env: [
                    { name: 'INDEX', value: String(i) },
                    { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  ],
                  resources: {
                    requests: { cpu: '100m', memory: '128Mi' },
                    limits: { cpu: 1, memory: '256Mi' },
                  },
                  readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 5 },
                  livenessProbe: { httpGet: { path: '/live', port: 'http' }, periodSeconds: 10 },
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    capabilities: { drop: ['ALL'] },
                    readOnlyRootFilesystem: true,
                  },
                  volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
                },
              ],
              volumes: [{ name: 'tmp', emptyDir: {} }],
            },
          },
        },
      };
    case 3:
    case 4:
      return {
        apiVersion: 'v1',
        kind: 'Service',
        metadata,
        spec: {
          selector: labels,
          ports: [{ name: 'http', port: 80, targetPort: broken ? true : 'http', protocol: 'TCP' }],
        },
      };
    case 5:
      return {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata,
        data: { 'app.properties': `index=${i}\nname=${name}\n`, ...(broken ? { bad: 1 } : {}) },
      };
    case 6:
      return {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata,
        spec: {
          ingressClassName: 'alb',
          rules: [
            {
              host: `${name}.example.com`,
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: broken ? 'Sometimes' : 'Prefix',
                    backend: { service: { name, port: { name: 'http' } } },
                  },
                ],
              },
            },
          ],
        },
      };
    case 7:
      return {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata,
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
          minReplicas: 2,
          maxReplicas: 6,
          metrics: [
            {
              type: 'Resource',
              resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
            },
          ],
          ...(broken ? { maxReplica: 3 } : {}),
        },
      };
    case 8:
      return {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata,
        spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
      };
    default:
      return {
        apiVersion: 'external-secrets.io/v1beta1',
        kind: 'ExternalSecret',
        metadata,
        spec: {
          refreshInterval: '1h',
          secretStoreRef: { kind: 'ClusterSecretStore', name: 'aws-secrets-manager' },
          target: { name, creationPolicy: 'Owner' },
          data: [{ secretKey: 'password', remoteRef: { key: `${ns}/${name}`, property: 'password' } }],
          ...(broken ? { refreshIntervall: '1h' } : {}),
        },
      };
  }
}

/** The deterministic corpus of n resources as one multi-document YAML stream. */
export function generateBenchCorpus(n: number): string {
  const docs: string[] = [];
  for (let i = 0; i < n; i++) docs.push(stringify(resource(i)));
  return docs.join('---\n');
}

/** Validate a generated corpus of n resources (strict, Kubernetes 1.31.0) and report the throughput. */
export function benchmarkValidation(
  n = 10_000,
  options: { kubernetesVersion?: string } = {},
): BenchmarkResult {
  const text = generateBenchCorpus(n);
  const validator = createValidator({
    strict: true,
    kubernetesVersion: options.kubernetesVersion ?? '1.31.0',
  });
  validator.validateText(generateBenchCorpus(20), 'warm-up.yaml'); // load every schema (and the all-errors variants)
  const start = process.hrtime.bigint();
  const results = validator.validateText(text, 'corpus.yaml');
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const digest = createHash('sha256')
    .update(formatResults(results, 'json', { summary: true, verbose: true }))
    .digest('hex');
  return {
    resources: results.length,
    seconds,
    perSecond: results.length / seconds,
    valid: results.filter((r) => r.status === 'statusValid').length,
    invalid: results.filter((r) => r.status !== 'statusValid').length,
    digest,
  };
}
