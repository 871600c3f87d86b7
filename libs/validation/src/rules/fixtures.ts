/** Small object builders for the rule tests. */
import type { K8sObject } from '@gitops/toolchain';

export const REG = '116912495274.dkr.ecr.us-east-1.amazonaws.com';

/** A Deployment in namespace `shop` whose first container is `container` (merged over a sane one). */
export function deployment(
  container: Record<string, unknown> = {},
  spec: Record<string, unknown> = {},
  pod: Record<string, unknown> = {},
  name = 'web',
): K8sObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'shop' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 10001 },
          containers: [
            {
              name,
              image: `${REG}/${name}:v1.0.0`,
              resources: {
                requests: { cpu: '100m', memory: '128Mi' },
                limits: { cpu: '500m', memory: '256Mi' },
              },
              ...container,
            },
          ],
          ...pod,
        },
      },
      ...spec,
    },
  } as K8sObject;
}

export const limitRange = (item: Record<string, unknown>): K8sObject =>
  ({
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: { name: 'limits', namespace: 'shop' },
    spec: { limits: [{ type: 'Container', ...item }] },
  }) as K8sObject;

export const quota = (hard: Record<string, string>, spec: Record<string, unknown> = {}): K8sObject =>
  ({
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: 'quota', namespace: 'shop' },
    spec: { hard, ...spec },
  }) as K8sObject;

export const hpa = (target: string, maxReplicas: number, minReplicas = 1): K8sObject =>
  ({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: target, namespace: 'shop' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target },
      minReplicas,
      maxReplicas,
    },
  }) as K8sObject;
