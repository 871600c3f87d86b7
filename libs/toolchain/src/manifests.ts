import { parseAllDocuments } from 'yaml';

/** A Kubernetes object as plain JSON. */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; [k: string]: any };
  [k: string]: any;
};

/** Parse a multi-document YAML stream (helm/kustomize output) into objects; empty documents are skipped. */
export function parseManifests(text: string, source = '<stream>'): K8sObject[] {
  const out: K8sObject[] = [];
  for (const doc of parseAllDocuments(text, { uniqueKeys: true })) {
    if (doc.errors.length) throw new Error(`${source}: ${doc.errors[0].message}`);
    const value = doc.toJS({ maxAliasCount: 100 });
    if (value == null) continue;
    out.push(value as K8sObject);
  }
  return out;
}

/** `group/Kind namespace/name`: the identity Argo CD and kubectl use for an object. */
export function objectKey(o: Pick<K8sObject, 'apiVersion' | 'kind' | 'metadata'>): string {
  const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
  return `${group}/${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}
