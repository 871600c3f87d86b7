/**
 * Emit Kustomize overlays from a system's samples: `base/` holds the objects of the default values;
 * each `<env>/` is a real overlay over it — image overrides, RFC 6902 patches of exactly the fields
 * the environment changes, added resources, and deletions. Pure: returns file contents.
 */
import jsonpatch from 'fast-json-patch';
import type { K8sObject } from '@gitops/toolchain';
import { GENERATED_HEADER, objectFileName, templateIdentity } from './emit-chart';
import type { SystemDefinition } from './system';
import type { Sample } from './values-index';
import { toYaml } from './yaml-text';

const KUSTOMIZE_API = 'kustomize.config.k8s.io/v1beta1';

function yamlText(value: unknown, header?: string): string {
  return `${header ? `${header}\n` : ''}${toYaml(value)}`;
}

/** Where pod specs live in workload kinds. */
function podSpecs(o: K8sObject): any[] {
  switch (o.kind) {
    case 'Pod':
      return [o.spec];
    case 'CronJob':
      return [o.spec?.jobTemplate?.spec?.template?.spec];
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
    case 'ReplicationController':
      return [o.spec?.template?.spec];
    default:
      return [];
  }
}

function containersOf(o: K8sObject): any[] {
  return podSpecs(o)
    .filter(Boolean)
    .flatMap((s) => [...(s.initContainers ?? []), ...(s.containers ?? [])]);
}

/** Split an image reference into name and tag (digests are left alone: undefined). */
export function splitImage(ref: string): { name: string; tag?: string } | undefined {
  if (ref.includes('@')) return undefined;
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { name: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { name: ref };
}

interface ImageOverride {
  name: string;
  newName?: string;
  newTag?: string;
}

/** Image changes that Kustomize's `images` transformer can express exactly for this environment. */
function imageOverrides(base: Map<string, K8sObject>, env: Map<string, K8sObject>): ImageOverride[] {
  const target = new Map<string, string | null>(); // base image name → env image ref (null: not expressible)
  for (const [id, envObj] of env) {
    const baseObj = base.get(id);
    const envContainers = containersOf(envObj);
    if (!baseObj) continue;
    const baseContainers = containersOf(baseObj);
    baseContainers.forEach((bc, i) => {
      const ec = envContainers[i];
      const b = splitImage(String(bc?.image ?? ''));
      if (!b || !ec) return;
      const prev = target.get(b.name);
      if (prev === undefined) target.set(b.name, ec.image);
      else if (prev !== ec.image) target.set(b.name, null);
    });
    if (baseContainers.length !== envContainers.length)
      for (const bc of baseContainers) {
        const b = splitImage(String(bc?.image ?? ''));
        if (b) target.set(b.name, null);
      }
  }
  // Added objects are transformed too: their images of that name must already be the target.
  for (const [id, envObj] of env) {
    if (base.has(id)) continue;
    for (const c of containersOf(envObj)) {
      const e = splitImage(String(c.image ?? ''));
      if (e && target.has(e.name) && target.get(e.name) !== c.image) target.set(e.name, null);
    }
  }
  const out: ImageOverride[] = [];
  for (const [name, ref] of [...target.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    if (!ref) continue;
    const e = splitImage(ref);
    if (!e) continue;
    // Unchanged?
    const unchanged = [...base.values()].every((o) =>
      containersOf(o).every((c) => splitImage(String(c.image ?? ''))?.name !== name || c.image === ref),
    );
    if (unchanged) continue;
    const o: ImageOverride = { name };
    if (e.name !== name) o.newName = e.name;
    if (e.tag !== undefined) o.newTag = e.tag;
    out.push(o);
  }
  return out;
}

function applyImageOverrides(o: K8sObject, overrides: readonly ImageOverride[]): K8sObject {
  if (!overrides.length || !containersOf(o).length) return o;
  const copy = structuredClone(o);
  for (const c of containersOf(copy)) {
    const s = splitImage(String(c.image ?? ''));
    const ov = s && overrides.find((x) => x.name === s.name);
    if (ov && s)
      c.image = `${ov.newName ?? s.name}${ov.newTag !== undefined ? `:${ov.newTag}` : s.tag !== undefined ? `:${s.tag}` : ''}`;
  }
  return copy;
}

function patchTarget(o: K8sObject): Record<string, string> {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const t: Record<string, string> = {};
  if (group) t.group = group;
  t.version = version;
  t.kind = o.kind;
  t.name = String(o.metadata.name);
  if (o.metadata.namespace) t.namespace = o.metadata.namespace;
  return t;
}

function byIdentity(sample: Sample<K8sObject[]>): Map<string, K8sObject> {
  const ns = (sample.values as { namespace?: unknown }).namespace;
  return new Map(
    sample.objects.map((o) => [templateIdentity(o, typeof ns === 'string' ? ns : undefined), o]),
  );
}

/** The overlay files, keyed by path relative to `overlays/<system>/`. */
export function emitOverlays(
  system: SystemDefinition<any>,
  samples: readonly Sample<K8sObject[]>[],
): Record<string, string> {
  if (samples[0]?.label !== 'defaults')
    throw new Error('emitOverlays: the first sample must be the defaults');
  const header = GENERATED_HEADER.replace('{system}', system.name);
  const files: Record<string, string> = {};
  const base = byIdentity(samples[0]);
  const baseFiles: string[] = [];
  for (const o of base.values()) {
    const file = objectFileName(o);
    files[`base/${file}`] = yamlText(o, header);
    baseFiles.push(file);
  }
  files['base/kustomization.yaml'] = yamlText(
    { apiVersion: KUSTOMIZE_API, kind: 'Kustomization', resources: [...baseFiles].sort() },
    `${header}\n# The objects of values.yaml's defaults; each environment is an overlay over this base.`,
  );

  for (const s of samples.slice(1)) {
    const env = byIdentity(s);
    const images = imageOverrides(base, env);
    const resources = ['../base'];
    const patches: Record<string, unknown>[] = [];
    for (const [id, o] of env) {
      const baseObj = base.get(id);
      const file = objectFileName(o);
      if (!baseObj) {
        files[`${s.label}/${file}`] = yamlText(o, `${header}\n# Only in ${s.label}.`);
        resources.push(file);
        continue;
      }
      const ops = jsonpatch.compare(applyImageOverrides(baseObj, images), o);
      if (!ops.length) continue;
      files[`${s.label}/patches/${file}`] = yamlText(
        ops,
        `${header}\n# What ${s.label} changes in ${o.kind} ${o.metadata.name}.`,
      );
      patches.push({ path: `patches/${file}`, target: patchTarget(baseObj) });
    }
    for (const [id, o] of base) {
      if (env.has(id)) continue;
      const del = {
        $patch: 'delete',
        apiVersion: o.apiVersion,
        kind: o.kind,
        metadata: {
          name: o.metadata.name,
          ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
        },
      };
      const file = objectFileName(o);
      files[`${s.label}/patches/delete-${file}`] = yamlText(
        del,
        `${header}\n# ${o.kind} ${o.metadata.name} does not exist in ${s.label}.`,
      );
      patches.push({ path: `patches/delete-${file}` });
    }
    const kustomization: Record<string, unknown> = {
      apiVersion: KUSTOMIZE_API,
      kind: 'Kustomization',
      resources,
    };
    if (images.length) kustomization.images = images;
    if (patches.length) kustomization.patches = patches;
    files[`${s.label}/kustomization.yaml`] = yamlText(
      kustomization,
      `${header}\n# What ${s.label} changes over ../base.`,
    );
  }
  return files;
}
