/**
 * Many clusters per environment: the ApplicationSet is valid against Argo CD's CRD (strict), its cluster
 * generator selects the environment and its Kubernetes minor version, and every Application it generates —
 * the template expanded with a cluster generator's parameters, as the ApplicationSet controller does — is the
 * single-cluster Application with the cluster's name and server, valid against the Application CRD.
 */
import { describe, expect, it } from 'vitest';
import { ENVIRONMENT_NAMES } from '@gitops/environments';
import { loadSystems } from '@gitops/render';
import {
  CLUSTER_ENVIRONMENT_LABEL,
  CLUSTER_KUBERNETES_LABEL,
  CLUSTER_LABEL,
  kubernetesMinor,
  systemApplicationSet,
  systemAppProjectForFleet,
} from './application-set';
import { validateArgoObject } from './crd-schema';
import { systemFacts } from './facts';
import { systemApplication } from './objects';

/** The cluster generator's parameters for one cluster Secret (Generators-Cluster: name, nameNormalized, server). */
const clusterParams = (name: string, server: string) => ({
  name,
  nameNormalized: name.toLowerCase().replace(/[^a-z0-9.-]/g, '-'),
  server,
});

/** Expand `{{.key}}` as Go templates do for plain parameters; any other placeholder is an error (missingkey=error). */
function expand(node: unknown, params: Record<string, string>): unknown {
  if (typeof node === 'string')
    return node.replace(/\{\{\s*\.(\w+)\s*\}\}/g, (_, k) => {
      if (!(k in params)) throw new Error(`missing key ${k}`);
      return params[k];
    });
  if (Array.isArray(node)) return node.map((n) => expand(n, params));
  if (node && typeof node === 'object')
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, expand(v, params)]));
  return node;
}

describe('ApplicationSet per system and environment (cluster generator)', async () => {
  const systems = await loadSystems(['mini-xdr', 'aegis-tickets']);
  const cases = systems.flatMap((s) => ENVIRONMENT_NAMES.map((env) => [s.definition.name, env, s] as const));

  it.each(cases)(
    '%s %s: valid, selects the environment and Kubernetes minor, generates the Application per cluster',
    (_, env, system) => {
      const f = systemFacts(system, env);
      const set = systemApplicationSet(f, { matchLabels: { 'topology.kubernetes.io/region': 'us-east-1' } });
      expect(validateArgoObject(set)).toEqual([]);
      expect(set.spec.generators).toEqual([
        {
          clusters: {
            selector: {
              matchLabels: {
                'topology.kubernetes.io/region': 'us-east-1',
                [CLUSTER_ENVIRONMENT_LABEL]: env,
                [CLUSTER_KUBERNETES_LABEL]: kubernetesMinor(f.kubeVersion),
              },
            },
          },
        },
      ]);
      expect(set.spec.goTemplateOptions).toEqual(['missingkey=error']);

      const single = systemApplication(f);
      for (const [cluster, server] of [
        [`${env}-use1-a`, 'https://a.example.internal:6443'],
        [`${env}-EU_b`, 'https://b.example.internal:6443'],
      ]) {
        const p = clusterParams(cluster, server);
        const app = {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Application',
          ...(expand(set.spec.template, p) as any),
        };
        app.metadata.namespace = set.metadata.namespace; // the controller creates it in the ApplicationSet's namespace
        expect(validateArgoObject(app)).toEqual([]);
        expect(app.metadata.name).toBe(`${single.metadata.name}-${p.nameNormalized}`);
        expect(app.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
        expect(app.metadata.labels).toEqual({ ...single.metadata.labels, [CLUSTER_LABEL]: p.nameNormalized });
        expect(app.metadata.annotations).toEqual(single.metadata.annotations);
        expect(app.metadata.finalizers).toEqual(single.metadata.finalizers);
        // Everything but the destination server is the single-cluster Application's.
        expect(app.spec).toEqual({ ...single.spec, destination: { ...single.spec.destination, server } });
      }
      expect(() => expand({ x: '{{.region}}' }, clusterParams('a', 'b'))).toThrow(/missing key region/);
    },
  );

  it('the fleet AppProject admits the namespace on the environment’s clusters only, and stays valid', () => {
    const f = systemFacts(systems[0], 'prod');
    const project = systemAppProjectForFleet(f);
    expect(validateArgoObject(project)).toEqual([]);
    expect(project.spec.destinations).toEqual([{ name: 'prod-*', namespace: f.namespace }]);
  });

  it('refuses a Kubernetes version it cannot read', () => {
    expect(kubernetesMinor('v1.31.2')).toBe('1.31');
    expect(() => kubernetesMinor('latest')).toThrow(/not a Kubernetes version/);
  });
});
