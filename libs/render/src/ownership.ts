/**
 * Ownership: every object identity (group, kind, namespace, name on one cluster) belongs to exactly one
 * system, and every namespace to one system. Two systems emitting the same ConfigMap, or two systems in
 * one namespace, would give two Argo CD Applications fighting over the same objects (each prunes or
 * overwrites what the other applies): a render error naming both systems, the object and the environment.
 */
import type { K8sObject } from '@gitops/toolchain';
import { ConfigError } from './system';
import type { SystemRender } from './pipeline';

function identity(o: K8sObject): string {
  const group = String(o.apiVersion ?? '').includes('/') ? String(o.apiVersion).split('/')[0] : 'core';
  const ns = o.metadata?.namespace;
  return `${group}/${o.kind} ${ns ? `${ns}/` : ''}${o.metadata?.name}`;
}

/** Problems of ownership across systems, one line each (empty when every object has one owner). */
export function ownershipProblems(renders: readonly SystemRender[]): string[] {
  const problems = new Set<string>();
  const labels = [...new Set(renders.flatMap((r) => r.samples.map((s) => s.label)))];
  for (const label of labels) {
    const owners = new Map<string, string>();
    const namespaces = new Map<string, string>();
    for (const r of renders) {
      const sample = r.samples.find((s) => s.label === label);
      if (!sample) continue;
      const name = r.system.name;
      const values = sample.values as { namespace?: string; cluster?: { name?: string; server?: string } };
      const cluster = values.cluster?.server ?? values.cluster?.name ?? '';
      const where = `environment "${label}"${values.cluster?.name ? `, cluster ${values.cluster.name}` : ''}`;
      const nsKey = `${cluster}|${values.namespace}`;
      const nsOwner = namespaces.get(nsKey);
      if (nsOwner && nsOwner !== name) {
        problems.add(
          `apps/${name}/src/environments.ts: systems "${nsOwner}" and "${name}" both deploy into namespace "${values.namespace}" (${where}): ` +
            'a namespace belongs to one system (one Argo CD Application owns its Namespace, quota and policies); give each system its own namespace',
        );
      } else namespaces.set(nsKey, name);
      for (const o of sample.objects) {
        const id = `${cluster}|${identity(o)}`;
        const owner = owners.get(id);
        if (owner && owner !== name) {
          problems.add(
            `apps/${name}/src/system.ts: systems "${owner}" and "${name}" both emit ${identity(o)} (${where}): ` +
              'an object belongs to one system, or two Argo CD Applications would fight over it',
          );
        } else owners.set(id, name);
      }
    }
  }
  return [...problems];
}

/** Throw a {@link ConfigError} listing every ownership problem. */
export function checkOwnership(renders: readonly SystemRender[]): void {
  const problems = ownershipProblems(renders);
  if (problems.length) throw new ConfigError(problems.join('\n'));
}
