/**
 * `npm run import:crds`: regenerate the typed CRD classes of `libs/platform/src/imports/` with
 * `cdk8s import` (pinned cdk8s-cli) from the CRD schemas in `../shared/schemas/crds` (or
 * `GITOPS_SCHEMAS_SRC`).
 *
 * The schemas are JSON schemas (the datreeio catalog layout), while `cdk8s import` reads
 * CustomResourceDefinition manifests: each schema is wrapped, in a temporary directory, into the CRD
 * it came from (group, kind, version, scope), one file per API group, and imported from there. Only the
 * generated TypeScript is written into the repository, never the schemas.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../..');
const OUT = join(ROOT, 'libs/platform/src/imports');

/** The custom resources the platform emits: group, kind, version, scope. */
export const IMPORTED_CRDS = [
  { group: 'external-secrets.io', kind: 'ExternalSecret', version: 'v1', scope: 'Namespaced' },
  { group: 'external-secrets.io', kind: 'ClusterSecretStore', version: 'v1', scope: 'Cluster' },
  { group: 'keda.sh', kind: 'ScaledObject', version: 'v1alpha1', scope: 'Namespaced' },
  { group: 'keda.sh', kind: 'TriggerAuthentication', version: 'v1alpha1', scope: 'Namespaced' },
  { group: 'monitoring.coreos.com', kind: 'ServiceMonitor', version: 'v1', scope: 'Namespaced' },
  { group: 'monitoring.coreos.com', kind: 'PrometheusRule', version: 'v1', scope: 'Namespaced' },
  { group: 'elbv2.k8s.aws', kind: 'TargetGroupBinding', version: 'v1beta1', scope: 'Namespaced' },
] as const;

function main(): number {
  const src = resolve(process.env.GITOPS_SCHEMAS_SRC ?? join(ROOT, '../shared/schemas'), 'crds');
  const work = mkdtempSync(join(tmpdir(), 'gitops-crd-import-'));
  try {
    const groups = new Map<string, unknown[]>();
    for (const c of IMPORTED_CRDS) {
      const file = join(src, c.group, `${c.kind.toLowerCase()}_${c.version}.json`);
      if (!existsSync(file)) {
        process.stderr.write(`import:crds: no schema ${file} (set GITOPS_SCHEMAS_SRC to your schema copy)\n`);
        return 1;
      }
      const plural = `${c.kind.toLowerCase()}s`;
      const crd = {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: `${plural}.${c.group}` },
        spec: {
          group: c.group,
          names: { kind: c.kind, plural, singular: c.kind.toLowerCase(), listKind: `${c.kind}List` },
          scope: c.scope,
          versions: [
            {
              name: c.version,
              served: true,
              storage: true,
              schema: { openAPIV3Schema: JSON.parse(readFileSync(file, 'utf8')) },
            },
          ],
        },
      };
      groups.set(c.group, [...(groups.get(c.group) ?? []), crd]);
    }
    mkdirSync(OUT, { recursive: true });
    for (const [group, items] of groups) {
      const file = join(work, `${group}.json`);
      writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
      execFileSync(
        join(ROOT, 'node_modules/.bin/cdk8s'),
        ['import', file, '--language', 'typescript', '--output', OUT, '--no-check-upgrade', '--no-save'],
        { cwd: work, stdio: ['ignore', 'ignore', 'inherit'] },
      );
      const out = join(OUT, `${group}.ts`);
      writeFileSync(out, readFileSync(out, 'utf8').replace(/[ \t]+$/gm, ''));
      process.stdout.write(`libs/platform/src/imports/${group}.ts\n`);
    }
    return 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

process.exitCode = main();
