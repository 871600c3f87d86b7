import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { schemasDir } from './crd-schema';
import { CLUSTER_SCOPED_KINDS, isClusterScoped, NAMESPACED_KINDS, UnknownScopeError } from './scope';

/** Kinds of persisted objects (they have ObjectMeta) in a Kubernetes OpenAPI definitions file. */
function persistedKinds(version: string): string[] {
  const defs = JSON.parse(
    readFileSync(join(schemasDir(), 'kubernetes', version, '_definitions.json'), 'utf8'),
  ).definitions;
  const out = new Set<string>();
  for (const d of Object.values<any>(defs)) {
    const meta = d.properties?.metadata?.$ref;
    if (meta !== '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta') continue;
    for (const gvk of d['x-kubernetes-group-version-kind'] ?? []) out.add(`${gvk.group}/${gvk.kind}`);
  }
  return [...out].sort();
}

describe('scope table', () => {
  const versions = readdirSync(join(schemasDir(), 'kubernetes'))
    .filter((v) => v.startsWith('v'))
    .sort();

  it('finds the Kubernetes definitions', () => {
    expect(versions).toEqual(expect.arrayContaining(['v1.28.0', 'v1.31.0']));
  });

  it.each(versions)('classifies every persisted kind of Kubernetes %s', (version) => {
    const kinds = persistedKinds(version);
    expect(kinds.length).toBeGreaterThan(50);
    const unknown = kinds.filter((k) => !CLUSTER_SCOPED_KINDS.includes(k) && !NAMESPACED_KINDS.includes(k));
    expect(unknown).toEqual([]);
  });

  it('classifies every custom resource of the shared CRD schemas', () => {
    const crds = join(schemasDir(), 'crds');
    const kinds = readdirSync(crds, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((g) =>
        readdirSync(join(crds, g.name)).map((f) => {
          const schema = JSON.parse(readFileSync(join(crds, g.name, f), 'utf8'));
          const kind = schema.properties?.kind?.enum?.[0] ?? f.split('_')[0];
          return { group: g.name, file: f, kind: String(kind).toLowerCase() };
        }),
      );
    const known = [...CLUSTER_SCOPED_KINDS, ...NAMESPACED_KINDS].map((k) => k.toLowerCase());
    expect(
      kinds.filter((k) => !known.includes(`${k.group}/${k.kind}`)).map((k) => `${k.group}/${k.file}`),
    ).toEqual([]);
  });

  it('has no kind in both tables', () => {
    expect(CLUSTER_SCOPED_KINDS.filter((k) => NAMESPACED_KINDS.includes(k))).toEqual([]);
  });

  it('knows the scopes Argo CD projects care about, and refuses to guess', () => {
    expect(isClusterScoped({ group: '', kind: 'Namespace' })).toBe(true);
    expect(isClusterScoped({ group: 'external-secrets.io', kind: 'ClusterSecretStore' })).toBe(true);
    expect(isClusterScoped({ group: 'storage.k8s.io', kind: 'StorageClass' })).toBe(true);
    expect(isClusterScoped({ group: 'apps', kind: 'Deployment' })).toBe(false);
    expect(isClusterScoped({ group: 'external-secrets.io', kind: 'ExternalSecret' })).toBe(false);
    expect(() => isClusterScoped({ group: 'example.com', kind: 'Widget' })).toThrow(UnknownScopeError);
  });
});
