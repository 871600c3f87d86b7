/**
 * A fourth system for the tests, shaped like a well-known gRPC microservice shop: a gRPC `checkout`
 * service with an init container (schema migration) reading its settings from a ConfigMap, a Redis
 * `cache` probed over TCP with its configuration mounted from a ConfigMap, a portless `worker` (queue
 * consumer with an exec health check), and a public HTTP `frontend` behind the Ingress. Built only with
 * the typed platform constructs: no JSON patch, no untyped body.
 *
 * `variant` hooks let the negative tests add objects built with cdk8s-plus-28 L2 constructs or plain
 * typed L1 classes, or change a figure, and expect the render to fail.
 */
import type { Chart } from 'cdk8s';
import { z } from 'zod';
import { baseValuesSchema, defineSystem, platformOf, type SystemDefinition } from '@gitops/render';
import {
  AppIngress,
  ConfigMap,
  GrpcService,
  GuardedNamespace,
  imageValuesSchema,
  resourcesValuesSchema,
  Server,
  systemLabels,
  WebService,
  Worker,
  type ServerProps,
} from '@gitops/platform';

export const SHOP = 'shop';

const component = z
  .object({
    image: imageValuesSchema,
    resources: resourcesValuesSchema,
  })
  .strict();

export const shopSchema = baseValuesSchema
  .extend({
    checkout: component.extend({ maxReplicas: z.number().int().min(1).describe('HPA maximum') }).strict(),
    cache: component.extend({ maxMemory: z.string().describe('Redis maxmemory') }).strict(),
    worker: component,
    frontend: component.extend({ host: z.string().describe('Public host name') }).strict(),
  })
  .strict();
export type ShopValues = z.infer<typeof shopSchema>;

const ECR = '116912495274.dkr.ecr.us-east-1.amazonaws.com';
const img = (name: string) => ({
  repository: `${ECR}/shop-${name}`,
  tag: 'v2.1.0',
  platform: 'amd64' as const,
});
const small = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } };
const lab = (name: string) => ({ repository: `registry.mini-corp.internal/shop/${name}` });
const cluster = (name: string, kubernetesVersion: string) => ({
  name,
  server: `https://${name}.example.com`,
  kubernetesVersion,
  region: 'us-east-1',
});

/** Changes the negative tests make: extra objects, or props merged into a component. */
export interface ShopVariant {
  /** Add objects after the system's own (cdk8s-plus-28 L2 or typed L1). */
  readonly extra?: (chart: Chart, v: ShopValues) => void;
  /** Props merged into the checkout service. */
  readonly checkout?: Partial<ServerProps>;
  /** Props merged into the frontend. */
  readonly frontend?: Partial<ServerProps>;
}

export function shopSystem(variant: ShopVariant = {}): SystemDefinition<ShopValues> {
  return defineSystem<ShopValues>({
    name: SHOP,
    description: 'Microservice shop fixture: gRPC, Redis, worker, public frontend',
    chartVersion: '0.1.0',
    appVersion: 'v2.1.0',
    schema: shopSchema,
    argoSource: 'helm',
    defaults: {
      namespace: 'shop',
      cluster: cluster('dev-cluster', '1.31.0'),
      platform: platformOf('dev'),
      checkout: { image: img('checkout'), resources: small, maxReplicas: 4 },
      cache: {
        image: img('redis'),
        resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
        maxMemory: '200mb',
      },
      worker: { image: img('worker'), resources: small },
      frontend: { image: img('frontend'), resources: small, host: 'shop.dev.example.com' },
    },
    environments: {
      dev: {},
      prod: {
        namespace: 'shop-prod',
        cluster: cluster('prod-cluster', '1.30.0'),
        platform: platformOf('prod'),
        checkout: { maxReplicas: 8 },
        cache: { maxMemory: '400mb' },
        frontend: { host: 'shop.example.com' },
      },
      'mini-corp': {
        cluster: cluster('mini-corp-lab', '1.30.0'),
        platform: platformOf('mini-corp'),
        checkout: { image: lab('checkout') },
        cache: { image: lab('redis') },
        worker: { image: lab('worker') },
        frontend: { image: lab('frontend'), host: 'shop.mini-corp.internal' },
      },
    },
    build(chart, v) {
      const ns = v.namespace;
      const labels = systemLabels(SHOP);
      const common = {
        system: SHOP,
        namespace: ns,
        imageConstraints: { allowedRegistries: v.platform.allowedRegistries, nodeArch: v.platform.nodeArch },
        kubernetesVersion: v.cluster.kubernetesVersion,
      };
      new GuardedNamespace(chart, 'Namespace', {
        name: ns,
        guardrailsName: SHOP,
        labels,
        albReadinessGate: v.platform.ingressController === 'alb',
        quota: { requestsCpu: '4', requestsMemory: '6Gi', limitsCpu: '12', limitsMemory: '12Gi', pods: 30 },
        limitRange: {
          defaultRequest: { cpu: '100m', memory: '128Mi' },
          defaultLimit: { cpu: '500m', memory: '256Mi' },
          max: { cpu: '1', memory: '1Gi' },
        },
      });

      // Redis: TCP probes, its configuration mounted from a ConfigMap (a change rolls the pod).
      const cacheConfig = new ConfigMap(chart, 'CacheConfig', {
        name: 'shop-cache-config',
        namespace: ns,
        labels,
        data: {
          'redis.conf': `maxmemory ${v.cache.maxMemory}\nmaxmemory-policy allkeys-lru\nappendonly no\n`,
        },
      });
      const cache = new Server(chart, 'Cache', {
        ...common,
        component: 'cache',
        image: v.cache.image,
        resources: v.cache.resources,
        port: 6379,
        portName: 'redis',
        args: ['/etc/redis/redis.conf'],
        health: { tcp: {}, periodSeconds: 5, timeoutSeconds: 2 },
        replicas: 1,
        volumes: [{ name: 'config', mountPath: '/etc/redis', configMap: cacheConfig }],
      });

      // Settings every service reads, as variables.
      const endpoints = new ConfigMap(chart, 'Endpoints', {
        name: 'shop-endpoints',
        namespace: ns,
        labels,
        data: {
          REDIS_ADDR: `${cache.serviceName}:${cache.servicePort}`,
          CHECKOUT_ADDR: `shop-checkout:5050`,
        },
      });

      // gRPC checkout: native gRPC probes, an init container applying schema migrations.
      new GrpcService(chart, 'Checkout', {
        ...common,
        component: 'checkout',
        image: v.checkout.image,
        resources: v.checkout.resources,
        port: 5050,
        envFrom: [{ configMap: endpoints }],
        env: [{ name: 'POD_NAME', field: 'metadata.name' }],
        initContainers: [
          {
            name: 'migrate',
            image: v.checkout.image,
            command: ['/app/checkout', 'migrate'],
            resources: v.checkout.resources,
            env: [{ name: 'REDIS_ADDR', configMap: { ref: endpoints, key: 'REDIS_ADDR' } }],
          },
        ],
        autoscaling: {
          minReplicas: 2,
          maxReplicas: v.checkout.maxReplicas,
          cpuUtilization: 70,
          behavior: {
            scaleUp: { policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] },
            scaleDown: { policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] },
          },
        },
        podAnnotations: { 'shop.example.com/team': 'payments' },
        ...variant.checkout,
      });

      // A queue consumer: no port; its health is a command its image ships.
      new Worker(chart, 'Worker', {
        ...common,
        component: 'worker',
        image: v.worker.image,
        resources: v.worker.resources,
        envFrom: [{ configMap: endpoints }],
        health: { exec: { command: ['/app/worker', 'healthcheck'] }, periodSeconds: 30, timeoutSeconds: 10 },
        imageBinaries: ['worker'],
        terminationGracePeriodSeconds: 60,
      });

      // The public frontend, behind the Ingress (declared public).
      const frontend = new WebService(chart, 'Frontend', {
        ...common,
        component: 'frontend',
        image: v.frontend.image,
        resources: v.frontend.resources,
        port: 8080,
        health: { path: '/_healthz', headers: { 'X-Probe': 'kubelet' } },
        envFrom: [{ configMap: endpoints }],
        podLabels: { 'shop.example.com/tier': 'edge' },
        ...variant.frontend,
      });
      new AppIngress(chart, 'Ingress', {
        name: 'shop',
        namespace: ns,
        labels,
        controller: v.platform.ingressController,
        host: v.frontend.host,
        routes: [{ path: '/', serviceName: frontend.serviceName, servicePort: frontend.servicePort }],
        allowedCidrs: ['0.0.0.0/0'],
        public: true,
        alb: { groupName: 'shop', healthCheckPath: '/_healthz' },
      });
      variant.extra?.(chart, v);
    },
  });
}
