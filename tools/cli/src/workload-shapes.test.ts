/**
 * A fourth system built only from typed constructs — gRPC service, TCP-probed Redis with a ConfigMap,
 * init container, portless worker, public frontend — renders for dev, prod and mini-corp through the
 * real pipeline (synthesis, chart and overlay, helm template + kustomize build parity, strict schemas,
 * policies). And the hazards the issue measured fail the render with a clear message whether the
 * object comes from a platform construct, a cdk8s-plus-28 L2 construct or a typed L1 class.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as kplus from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import { describe, expect, it } from 'vitest';
import { container, find } from '@gitops/platform';
import {
  ConfigError,
  renderSystem,
  renderWorkspace,
  stageFiles,
  type SystemDefinition,
} from '@gitops/render';
import { formatPolicyViolations, policyContextFor, runPolicies } from '@gitops/validation';
import { shopSystem, type ShopValues, type ShopVariant } from './testing/shop-system';
import { verifyOutputs } from './verify';

/** The real render's verification of a system: problems, one per line (empty when it would be written). */
async function renderAndVerify(
  def: SystemDefinition<ShopValues>,
): Promise<{ lines: string[]; problems: string[] }> {
  const rendered = renderWorkspace([{ definition: def, root: 'apps/shop' }]);
  const dir = mkdtempSync(join(tmpdir(), 'shop-render-'));
  try {
    stageFiles(dir, rendered.files);
    return await verifyOutputs(dir, rendered, 'v35');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What the render's policy step reports for each environment (the same rules on the same objects:
 * the chart form equals the synthesis, which the parity check proves), or the synthesis error.
 */
function renderProblems(variant: ShopVariant): string {
  let render;
  try {
    render = renderSystem(shopSystem(variant));
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  return render.samples
    .filter((s) => s.label !== 'defaults')
    .map((s) =>
      formatPolicyViolations(
        runPolicies(s.objects, policyContextFor(s.label), { source: `charts/shop (values-${s.label}.yaml)` }),
      ),
    )
    .join('');
}

const byEnv = (label: string) => renderSystem(shopSystem()).samples.find((s) => s.label === label)!.objects;

describe('a fourth system with every workload shape', () => {
  it('renders for dev, prod and mini-corp: parity with helm and kustomize, strict schemas, policies', async () => {
    const r = await renderAndVerify(shopSystem());
    expect(r.problems).toEqual([]);
    expect(r.lines).toEqual([
      expect.stringMatching(
        /^ok {3}shop dev: \d+ resources, chart = overlay = synthesis, schemas \(k8s 1\.31\.0\), policies/,
      ),
      expect.stringMatching(/^ok {3}shop prod: .*schemas \(k8s 1\.30\.0\)/),
      expect.stringMatching(/^ok {3}shop mini-corp: .*schemas \(k8s 1\.30\.0\)/),
    ]);
  }, 120_000);

  it('is written with typed constructs only: no JSON patch, no untyped object', () => {
    const src = readFileSync(join(import.meta.dirname, 'testing/shop-system.ts'), 'utf8');
    expect(src).not.toMatch(/JsonPatch|addJsonPatch|new ApiObject|Record<string, unknown>/);
  });

  it('emits each shape as the cluster needs it', () => {
    const objs = byEnv('prod');
    const checkout = find(objs, 'Deployment', 'shop-checkout');
    const c = container(checkout);
    expect(c.ports).toEqual([{ name: 'grpc', containerPort: 5050, protocol: 'TCP' }]);
    expect(c.readinessProbe).toMatchObject({ grpc: { port: 5050 } });
    expect(c.lifecycle).toEqual({ preStop: { sleep: { seconds: 15 } } });
    expect(c.envFrom).toEqual([{ configMapRef: { name: 'shop-endpoints' } }]);
    expect(c.env).toEqual([
      { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
    ]);
    expect(find(objs, 'Service', 'shop-checkout').spec.ports).toEqual([
      { name: 'grpc', port: 5050, targetPort: 'grpc', protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' },
    ]);
    const init = checkout.spec.template.spec.initContainers[0];
    expect(init).toMatchObject({
      name: 'migrate',
      command: ['/app/checkout', 'migrate'],
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 10001,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      },
      resources: { limits: { cpu: '500m', memory: '256Mi' } },
    });
    expect(init.env[0].valueFrom.configMapKeyRef).toEqual({ name: 'shop-endpoints', key: 'REDIS_ADDR' });
    expect(checkout.spec.template.metadata.annotations).toMatchObject({
      'shop.example.com/team': 'payments',
      'checksum.gitops.platform/shop-endpoints': expect.stringMatching(/^[0-9a-f]{16}$/),
    });

    const cache = find(objs, 'Deployment', 'shop-cache');
    expect(container(cache).livenessProbe).toMatchObject({
      tcpSocket: { port: 'redis' },
      periodSeconds: 5,
      timeoutSeconds: 2,
    });
    expect(cache.spec.template.spec.volumes).toContainEqual({
      name: 'config',
      configMap: { name: 'shop-cache-config' },
    });
    expect(container(cache).volumeMounts).toContainEqual({
      name: 'config',
      mountPath: '/etc/redis',
      readOnly: true,
    });
    expect(find(objs, 'ConfigMap', 'shop-cache-config').data['redis.conf']).toContain('maxmemory 400mb');

    const worker = find(objs, 'Deployment', 'shop-worker');
    expect(container(worker).ports).toBeUndefined();
    expect(container(worker).livenessProbe.exec.command).toEqual(['/app/worker', 'healthcheck']);
    expect(worker.spec.template.metadata.annotations['policy.gitops.platform/image-binaries']).toBe(
      'worker=worker',
    );
    expect(objs.filter((o) => o.kind === 'Service').map((o) => o.metadata.name)).not.toContain('shop-worker');

    const frontend = find(objs, 'Deployment', 'shop-frontend');
    expect(container(frontend).readinessProbe.httpGet.httpHeaders).toEqual([
      { name: 'X-Probe', value: 'kubelet' },
    ]);
    expect(frontend.spec.template.metadata.labels['shop.example.com/tier']).toBe('edge');
    expect(find(objs, 'Ingress', 'shop').metadata.annotations['policy.gitops.platform/public']).toBe('true');
  });

  it('rolls the pods that read a ConfigMap exactly when its content changes', () => {
    const hash = (label: string) =>
      find(byEnv(label), 'Deployment', 'shop-cache').spec.template.metadata.annotations[
        'checksum.gitops.platform/shop-cache-config'
      ];
    expect(hash('prod')).not.toBe(hash('dev')); // maxmemory differs
    expect(hash('mini-corp')).toBe(hash('dev'));
  });
});

/** A container that keeps every cdk8s-plus-28 default (limits 1500m/2048Mi, no UID, Always, path selector). */
const plusDeployment = (chart: any, v: ShopValues, extra: Partial<kplus.DeploymentProps> = {}) =>
  new kplus.Deployment(chart, 'legacy', {
    metadata: { namespace: v.namespace },
    containers: [{ image: `${v.checkout.image.repository}:v2.1.0`, portNumber: 8080 }],
    ...extra,
  });

/** A typed L1 Deployment with the given container fields and pod security context. */
const l1Deployment = (
  chart: any,
  v: ShopValues,
  c: Partial<k8s.Container>,
  replicas = 1,
  podSc?: k8s.PodSecurityContext,
) =>
  new k8s.KubeDeployment(chart, 'raw', {
    metadata: { name: 'shop-raw', namespace: v.namespace },
    spec: {
      replicas,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'raw' } },
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': 'raw' } },
        spec: {
          securityContext: podSc ?? {
            runAsNonRoot: true,
            runAsUser: 10001,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'raw',
              image: `${v.checkout.image.repository}:v2.1.0`,
              imagePullPolicy: 'IfNotPresent',
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
              readinessProbe: { tcpSocket: { port: k8s.IntOrString.fromNumber(8080) } },
              livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromNumber(8080) } },
              resources: {
                requests: { cpu: k8s.Quantity.fromString('100m'), memory: k8s.Quantity.fromString('128Mi') },
                limits: { cpu: k8s.Quantity.fromString('500m'), memory: k8s.Quantity.fromString('256Mi') },
              },
              ...c,
            },
          ],
        },
      },
    },
  });

describe('the measured hazards fail the render, whatever built the object', () => {
  it('a LoadBalancer Service in prod: platform construct (no reason), cdk8s-plus-28 L2, L1', () => {
    expect(renderProblems({ frontend: { serviceType: 'LoadBalancer' } })).toMatch(
      /Frontend: serviceType LoadBalancer exposes the workload outside the Ingress .*set exposureReason/,
    );
    const l2 = renderProblems({
      extra: (chart, v) =>
        new kplus.Service(chart, 'lb', {
          metadata: { name: 'shop-lb', namespace: v.namespace },
          type: kplus.ServiceType.LOAD_BALANCER,
          selector: kplus.Pods.select(chart, 'sel', {
            labels: { 'app.kubernetes.io/component': 'frontend' },
          }),
          ports: [{ port: 8080 }],
        }),
    });
    expect(l2).toMatch(
      /values-prod\.yaml\) - v1\/Service shop-prod\/shop-lb violates prod-service-exposure at \/spec\/type: .*is type LoadBalancer in prod/,
    );
    expect(l2).not.toMatch(/values-dev\.yaml\).*prod-service-exposure/);
    const l1 = renderProblems({
      extra: (chart, v) =>
        new k8s.KubeService(chart, 'np', {
          metadata: { name: 'shop-np', namespace: v.namespace },
          spec: {
            type: 'NodePort',
            selector: { 'app.kubernetes.io/component': 'frontend' },
            ports: [{ port: 8080, targetPort: k8s.IntOrString.fromString('http') }],
          },
        }),
    });
    expect(l1).toMatch(
      /Service shop-prod\/shop-np violates prod-service-exposure .*is type NodePort in prod: it opens a port on every node/,
    );
  });

  it('an exposure with a reason is an exemption the policy honours', () => {
    const out = renderProblems({
      frontend: {
        serviceType: 'LoadBalancer',
        loadBalancer: { controller: 'aws-load-balancer-controller', scheme: 'internal' },
        exposureReason: 'partner VPN reaches the shop over an internal NLB; NET-42',
      },
    });
    expect(out).not.toMatch(/prod-service-exposure/);
  });

  it('limits above the LimitRange: platform construct, cdk8s-plus-28 defaults, L1', () => {
    expect(
      renderProblems({
        checkout: {
          resources: { requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '2', memory: '512Mi' } },
        },
      }),
    ).toMatch(
      /Deployment shop-prod\/shop-checkout violates limitrange-bounds at \/spec\/template\/spec\/containers\/0\/resources\/limits\/cpu: .*limits\.cpu 2 exceeds the maximum 1 of LimitRange shop-limits/,
    );
    expect(renderProblems({ extra: (c, v) => plusDeployment(c, v) })).toMatch(
      /Deployment shop-prod\/shop-legacy violates limitrange-bounds .*limits\.memory 2048Mi exceeds the maximum 1Gi/,
    );
    expect(
      renderProblems({
        extra: (c, v) =>
          l1Deployment(c, v, {
            resources: {
              requests: { cpu: k8s.Quantity.fromString('100m'), memory: k8s.Quantity.fromString('2Gi') },
            },
          }),
      }),
    ).toMatch(/shop-raw violates limitrange-bounds .*requests\.memory 2Gi exceeds the maximum 1Gi/);
  });

  it('a quota overrun at maximum scale: HPA maximum of a platform construct, cdk8s-plus replicas, L1 HPA', () => {
    expect(
      renderProblems({
        checkout: {
          autoscaling: {
            minReplicas: 2,
            maxReplicas: 30,
            cpuUtilization: 70,
            behavior: {
              scaleUp: { policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] },
              scaleDown: { policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] },
            },
          },
        },
      }),
    ).toMatch(
      /ResourceQuota shop-prod\/shop-quota violates quota-max-scale at \/spec\/hard\/limits\.cpu: at maximum scale the workloads of namespace shop-prod need limits\.cpu 19 but ResourceQuota shop-quota allows 12 \(.*Deployment shop-checkout: 30 replica\(s\) at the autoscaler maximum \+ 1 surge x 500m/,
    );
    expect(renderProblems({ extra: (c, v) => plusDeployment(c, v, { replicas: 6 }) })).toMatch(
      /violates quota-max-scale .*Deployment shop-legacy: 6 replica\(s\) \+ 2 surge x 1/,
    );
    const l1 = renderProblems({
      extra: (chart, v) => {
        l1Deployment(chart, v, {});
        new k8s.KubeHorizontalPodAutoscalerV2(chart, 'rawhpa', {
          metadata: { name: 'shop-raw', namespace: v.namespace },
          spec: {
            scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'shop-raw' },
            minReplicas: 1,
            maxReplicas: 40,
          },
        });
      },
    });
    expect(l1).toMatch(/quota-max-scale .*Deployment shop-raw: 40 replica\(s\) at the autoscaler maximum/);
  });

  it('runAsNonRoot without a UID: impossible with platform constructs, caught for cdk8s-plus-28 and L1', () => {
    for (const label of ['dev', 'prod', 'mini-corp'])
      for (const o of byEnv(label).filter((x) => x.spec?.template?.spec))
        expect(o.spec.template.spec.securityContext.runAsUser, `${label} ${o.metadata.name}`).toBe(10001);
    expect(renderProblems({ extra: (c, v) => plusDeployment(c, v) })).toMatch(
      /shop-legacy violates run-as-non-root-uid at \/spec\/template\/spec\/containers\/0\/securityContext\/runAsUser: container main .*sets runAsNonRoot without a numeric runAsUser/,
    );
    expect(
      renderProblems({
        extra: (c, v) =>
          l1Deployment(c, v, {}, 1, { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }),
      }),
    ).toMatch(/shop-raw violates run-as-non-root-uid/);
  });

  it('cdk8s-plus-28 defaults left in place fail the real render, each named with what to do', async () => {
    const r = await renderAndVerify(shopSystem({ extra: (c, v) => plusDeployment(c, v) }));
    const text = r.problems.join('\n');
    expect(r.lines.every((l) => l.startsWith('FAIL'))).toBe(true);
    for (const rule of [
      'stable-selectors',
      'pull-policy-pinned',
      'limitrange-bounds',
      'run-as-non-root-uid',
      'pss-restricted',
    ])
      expect(text, rule).toMatch(
        new RegExp(
          `charts/shop \\(values-prod\\.yaml\\) - apps/v1/Deployment shop-prod/shop-legacy violates ${rule} at /`,
        ),
      );
    expect(text).toMatch(
      /cdk8s\.io\/metadata\.addr, a hash of the construct path \(the cdk8s-plus default\)/,
    );
    expect(text).toMatch(/imagePullPolicy: Always \(the cdk8s-plus default\): set IfNotPresent/);
  }, 120_000);
});
