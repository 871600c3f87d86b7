/** Test helpers: synthesize constructs in a throwaway chart and look objects up. */
import { App, Chart } from 'cdk8s';
import type { K8sObject } from '@gitops/toolchain';

/** Build constructs in a chart (namespace `test`, no name hashes) and return the synthesized objects. */
export function synth(build: (chart: Chart) => void, namespace = 'test'): K8sObject[] {
  const app = new App({ outdir: '/nonexistent-cdk8s-outdir' });
  const chart = new Chart(app, 'test', { disableResourceNameHashes: true, namespace });
  build(chart);
  return JSON.parse(JSON.stringify(chart.toJson())) as K8sObject[];
}

/** The one object of `kind` (and `name`, when given); throws when absent or ambiguous. */
export function find(objs: readonly K8sObject[], kind: string, name?: string): K8sObject {
  const hits = objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (hits.length !== 1)
    throw new Error(
      `expected one ${kind}${name ? ` "${name}"` : ''}, found ${hits.length}: ${objs.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`,
    );
  return hits[0];
}

/** All objects of `kind`. */
export function all(objs: readonly K8sObject[], kind: string): K8sObject[] {
  return objs.filter((o) => o.kind === kind);
}

/** The first container of a Deployment/Job. */
export function container(o: K8sObject): any {
  return o.spec.template.spec.containers[0];
}
