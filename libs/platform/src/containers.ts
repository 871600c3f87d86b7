/**
 * Containers and pod templates. Every container — main, sidecar or init — gets the restricted security
 * context, explicit requests and limits, a pinned image and a `/tmp` mount; the pod gets the image's
 * architecture as node selector, a `/tmp` emptyDir, and annotations that roll it when a referenced
 * ConfigMap changes and that declare the binaries its exec probes and hooks need.
 */
import { k8s } from 'cdk8s-plus-28';
import { ConfigError, assertDnsLabel, assertInt, componentLabels, parseQuantity, quantity } from './core';
import { CONFIG_CHECKSUM_PREFIX, ConfigMap, configMapName, type ConfigMapRef } from './config-map';
import { type ImageConstraints, type ImageRef, resolveImage } from './images';
import { execBinaries, renderProbes, type MainPort, type ProbeProps, type Probes } from './probes';
import {
  assertUnprivilegedPort,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  type RunAsProps,
} from './security';
import type { AccessMode } from './storage';

/** Pod template annotation declaring the binaries exec probes/hooks run (policy `exec-needs-binary`). */
export const IMAGE_BINARIES_ANNOTATION = 'policy.gitops.platform/image-binaries';

/** CPU and memory; both required. */
export interface ResourceAmounts {
  readonly cpu: string;
  readonly memory: string;
}

/** Requests (from measured usage) and limits. Always both. */
export interface ResourceRequirements {
  readonly requests: ResourceAmounts;
  readonly limits: ResourceAmounts;
}

/** Validate resources: both requests and limits for cpu and memory, requests <= limits. */
export function renderResources(path: string, r: ResourceRequirements | undefined): k8s.ResourceRequirements {
  if (!r)
    throw new ConfigError(
      `${path}: resources are required: set requests (from measured usage) and limits for cpu and memory`,
    );
  for (const kind of ['requests', 'limits'] as const) {
    for (const res of ['cpu', 'memory'] as const) {
      const v = r[kind]?.[res];
      if (v === undefined || v === '') {
        throw new ConfigError(
          `${path}: resources.${kind}.${res} is missing: every container needs cpu and memory requests and limits (seed 000: 512Mi requested vs 1-2Gi used crashed the backend)`,
        );
      }
      parseQuantity(path, `resources.${kind}.${res}`, v);
    }
  }
  for (const res of ['cpu', 'memory'] as const) {
    if (parseQuantity(path, '', r.requests[res]) > parseQuantity(path, '', r.limits[res])) {
      throw new ConfigError(
        `${path}: resources.requests.${res} (${r.requests[res]}) exceeds resources.limits.${res} (${r.limits[res]})`,
      );
    }
  }
  return {
    requests: { cpu: quantity(r.requests.cpu), memory: quantity(r.requests.memory) },
    limits: { cpu: quantity(r.limits.cpu), memory: quantity(r.limits.memory) },
  };
}

/** An environment variable: a literal, a key of a Secret or ConfigMap, or a field of the pod. */
export type EnvVar =
  | { readonly name: string; readonly value: string }
  | {
      readonly name: string;
      /** `optional`: the variable stays unset when the Secret is absent (e.g. provider-specific credentials). */
      readonly secret: { readonly name: string; readonly key: string; readonly optional?: boolean };
    }
  | {
      readonly name: string;
      /** One key of a ConfigMap; by construct, a content change rolls the pods. */
      readonly configMap: { readonly ref: ConfigMapRef; readonly key: string; readonly optional?: boolean };
    }
  | {
      readonly name: string;
      /** Downward API, e.g. `metadata.name`, `status.podIP`. */
      readonly field: 'metadata.name' | 'metadata.namespace' | 'spec.nodeName' | 'status.podIP';
    };

/** Every key of a ConfigMap or Secret as variables (`envFrom`). */
export type EnvFrom =
  | { readonly configMap: ConfigMapRef; readonly prefix?: string }
  | { readonly secret: string; readonly prefix?: string };

/** A volume of the pod, mounted into the main container (and into others via `mounts`). */
export type WorkloadVolume =
  | {
      readonly name: string;
      readonly mountPath: string;
      /** A claim, e.g. a `PersistentClaim`; its access mode drives the single-replica check. */
      readonly claim: { readonly claimName: string; readonly accessMode: AccessMode };
      readonly readOnly?: boolean;
    }
  | { readonly name: string; readonly mountPath: string; readonly emptyDir: { readonly sizeLimit: string } }
  | {
      readonly name: string;
      readonly mountPath: string;
      /** A ConfigMap's keys as files (read-only); by construct, a content change rolls the pods. */
      readonly configMap: ConfigMapRef;
      /** Only these keys, at these relative paths. @default every key, named after it */
      readonly items?: readonly { readonly key: string; readonly path: string }[];
    }
  | {
      readonly name: string;
      readonly mountPath: string;
      /** A Secret's keys as files (read-only), e.g. one an ExternalSecret produces. */
      readonly secret: { readonly secretName: string };
    };

/** A named container port of any protocol. */
export interface PortSpec {
  /** IANA_SVC_NAME: lower-case letters, digits and '-', at most 15 characters, e.g. `grpc`, `redis`. */
  readonly name: string;
  /** Unprivileged container port (1024-65535). */
  readonly port: number;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP' | 'SCTP';
  /** Application protocol for the Service port, e.g. `kubernetes.io/h2c` for gRPC. @default none */
  readonly appProtocol?: string;
  /** Port of the Service. @default same as `port` */
  readonly servicePort?: number;
  /** Expose on the workload's Service (where it has one). @default true */
  readonly expose?: boolean;
}

const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Validate a container port. */
export function assertPort(path: string, p: PortSpec): void {
  if (!PORT_NAME.test(p.name) || p.name.length > 15 || !/[a-z]/.test(p.name))
    throw new ConfigError(
      `${path}: port name "${p.name}" must be an IANA service name (lower-case letters, digits, '-', at most 15 characters, at least one letter)`,
    );
  assertUnprivilegedPort(path, `ports.${p.name}`, p.port);
  if (p.servicePort !== undefined) assertInt(path, `ports.${p.name}.servicePort`, p.servicePort, 1, 65535);
}

/** A volume of the pod mounted into a sidecar or init container. */
export interface VolumeMountSpec {
  /** Name of a pod volume (`volumes[].name`). */
  readonly volume: string;
  readonly mountPath: string;
  /** @default false (ConfigMap and Secret volumes are always read-only) */
  readonly readOnly?: boolean;
}

/** A sidecar or init container: held to the same security and resource rules as the main one. */
export interface ContainerSpec {
  /** DNS label, unique in the pod. */
  readonly name: string;
  readonly image: ImageRef;
  readonly resources: ResourceRequirements;
  /** @default the image's entrypoint */
  readonly command?: readonly string[];
  /** @default the image's cmd */
  readonly args?: readonly string[];
  /** @default none */
  readonly env?: readonly EnvVar[];
  /** @default none */
  readonly envFrom?: readonly EnvFrom[];
  /** Pod volumes to mount besides `/tmp`. @default none */
  readonly mounts?: readonly VolumeMountSpec[];
  /** Ports (sidecars only). @default none */
  readonly ports?: readonly PortSpec[];
  /** Probes (sidecars only). @default none */
  readonly probes?: ProbeProps;
  /** UID/GID and root filesystem. @default the pod's */
  readonly runAs?: RunAsProps;
  /** Binaries the image is known to contain, run by exec probes (declared to policy `exec-needs-binary`). @default none */
  readonly imageBinaries?: readonly string[];
}

/** Props shared by every pod-running construct. */
export interface PodProps {
  /** The system, e.g. `mini-xdr` (`app.kubernetes.io/name`). */
  readonly system: string;
  /** The component, e.g. `backend` (`app.kubernetes.io/component`); also the main container's name. */
  readonly component: string;
  /** Object names. @default `${system}-${component}` */
  readonly name?: string;
  readonly namespace: string;
  readonly image: ImageRef;
  /** Registries and node architecture the image must match (from the environment). @default not checked */
  readonly imageConstraints?: ImageConstraints;
  readonly resources: ResourceRequirements;
  /** @default the image's entrypoint */
  readonly command?: readonly string[];
  /** @default the image's cmd */
  readonly args?: readonly string[];
  /** @default none */
  readonly env?: readonly EnvVar[];
  /** Every key of ConfigMaps/Secrets as variables. @default none */
  readonly envFrom?: readonly EnvFrom[];
  /** Volumes besides `/tmp`, mounted into the main container. @default none */
  readonly volumes?: readonly WorkloadVolume[];
  /** Size limit of the `/tmp` emptyDir that makes a read-only root filesystem usable. @default '256Mi' */
  readonly tmpSizeLimit?: string;
  /** UID/GID and root filesystem escape hatch. @default UID/GID 10001, read-only root */
  readonly runAs?: RunAsProps;
  /**
   * The ServiceAccount. Without one, the construct creates `<name>` with no token mounted.
   * @default a dedicated ServiceAccount, `automountServiceAccountToken: false`
   */
  readonly serviceAccount?: PodIdentity;
  /** Containers run to completion, in order, before the main one (migrations, file seeding). @default none */
  readonly initContainers?: readonly ContainerSpec[];
  /** Containers running next to the main one for the pod's lifetime (proxies, log shippers). @default none */
  readonly sidecars?: readonly ContainerSpec[];
  /** Pod template annotations (e.g. for a mesh or a log agent). @default none */
  readonly podAnnotations?: Readonly<Record<string, string>>;
  /** Extra pod template labels; the `app.kubernetes.io/*` identity labels cannot be overridden. @default none */
  readonly podLabels?: Readonly<Record<string, string>>;
  /**
   * Binaries the main image is known to contain. Exec probes and hooks may only run these; they are
   * declared to policy `exec-needs-binary` (distroless and chiseled images have no `sleep` or `sh`).
   * @default none
   */
  readonly imageBinaries?: readonly string[];
  /**
   * Kubernetes version of the target cluster (`values.cluster.kubernetesVersion`): decides which
   * features the pod may use (native `lifecycle.preStop.sleep` needs 1.30).
   * @default unknown (features that need a version must then be chosen explicitly)
   */
  readonly kubernetesVersion?: string;
}

/** The ServiceAccount a pod runs as. */
export interface PodIdentity {
  readonly serviceAccountName: string;
  /** Pods of an IRSA role need the (projected) token; everyone else gets none. @default false */
  readonly irsa?: boolean;
}

/** `1.30.2` → [1, 30]; ConfigError when malformed. */
export function minorVersion(path: string, v: string): [number, number] {
  const m = /^v?(\d+)\.(\d+)(\.\d+)?$/.exec(v);
  if (!m) throw new ConfigError(`${path}: kubernetesVersion "${v}" must look like 1.30.0`);
  return [Number(m[1]), Number(m[2])];
}

/** True when `version` is at least `major.minor`. */
export function atLeast(path: string, version: string, major: number, minor: number): boolean {
  const [a, b] = minorVersion(path, version);
  return a > major || (a === major && b >= minor);
}

/** Checksums of the ConfigMap constructs a pod reads. */
class ConfigRefs {
  readonly hashes = new Map<string, string>();
  add(path: string, r: ConfigMapRef, key?: string): string {
    if (r instanceof ConfigMap) {
      if (key !== undefined) r.assertKey(path, key);
      this.hashes.set(r.configMapName, r.contentHash);
    }
    return configMapName(r);
  }
}

function renderEnv(path: string, env: readonly EnvVar[] | undefined, refs: ConfigRefs): k8s.EnvVar[] {
  const seen = new Set<string>();
  return (env ?? []).map((e): k8s.EnvVar => {
    if (seen.has(e.name)) throw new ConfigError(`${path}: env ${e.name} is set twice`);
    seen.add(e.name);
    if ('value' in e) return { name: e.name, value: e.value };
    if ('secret' in e)
      return {
        name: e.name,
        valueFrom: {
          secretKeyRef: {
            name: e.secret.name,
            key: e.secret.key,
            ...(e.secret.optional ? { optional: true } : {}),
          },
        },
      };
    if ('configMap' in e)
      return {
        name: e.name,
        valueFrom: {
          configMapKeyRef: {
            name: refs.add(path, e.configMap.ref, e.configMap.key),
            key: e.configMap.key,
            ...(e.configMap.optional ? { optional: true } : {}),
          },
        },
      };
    return { name: e.name, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: e.field } } };
  });
}

function renderEnvFrom(
  path: string,
  from: readonly EnvFrom[] | undefined,
  refs: ConfigRefs,
): k8s.EnvFromSource[] {
  return (from ?? []).map((f) =>
    'configMap' in f
      ? { configMapRef: { name: refs.add(path, f.configMap) }, ...(f.prefix ? { prefix: f.prefix } : {}) }
      : { secretRef: { name: f.secret }, ...(f.prefix ? { prefix: f.prefix } : {}) },
  );
}

function renderPorts(path: string, ports: readonly PortSpec[]): k8s.ContainerPort[] {
  const names = new Set<string>();
  const numbers = new Set<string>();
  return ports.map((p) => {
    assertPort(path, p);
    const protocol = p.protocol ?? 'TCP';
    if (names.has(p.name)) throw new ConfigError(`${path}: port name "${p.name}" is used twice`);
    if (numbers.has(`${p.port}/${protocol}`))
      throw new ConfigError(`${path}: port ${p.port}/${protocol} is declared twice`);
    names.add(p.name);
    numbers.add(`${p.port}/${protocol}`);
    return { name: p.name, containerPort: p.port, protocol };
  });
}

/**
 * What `buildPod` needs beyond {@link PodProps} for the main container and the pod.
 * @internal
 */
export interface PodExtras {
  /** Ports of the main container (the first is its main port). */
  readonly ports: readonly PortSpec[];
  /** Probes of the main container. @default none */
  readonly probes?: ProbeProps;
  readonly lifecycle?: k8s.Lifecycle;
  /** Binaries the lifecycle hooks run (checked against `imageBinaries`). @default none */
  readonly lifecycleBinaries?: readonly string[];
  readonly terminationGracePeriodSeconds: number;
  readonly restartPolicy?: 'Always' | 'Never' | 'OnFailure';
  readonly topologySpreadConstraints?: k8s.TopologySpreadConstraint[];
  readonly serviceAccountName: string | undefined;
  readonly automountToken: boolean;
}

interface BuiltContainer {
  readonly container: k8s.Container;
  readonly binaries: readonly string[];
}

/**
 * Build a pod template from validated props.
 * @internal
 */
export function buildPod(path: string, p: PodProps, x: PodExtras): k8s.PodTemplateSpec {
  const refs = new ConfigRefs();
  const tmp = p.tmpSizeLimit ?? '256Mi';
  parseQuantity(path, 'tmpSizeLimit', tmp);
  const volumes: k8s.Volume[] = [{ name: 'tmp', emptyDir: { sizeLimit: quantity(tmp) } }];
  const mounts: k8s.VolumeMount[] = [{ name: 'tmp', mountPath: '/tmp' }];
  const seen = new Set(['tmp']);
  const paths = new Set(['/tmp']);
  for (const v of p.volumes ?? []) {
    assertDnsLabel(path, 'volumes[].name', v.name);
    if (seen.has(v.name)) throw new ConfigError(`${path}: volume name "${v.name}" is used twice`);
    if (paths.has(v.mountPath)) throw new ConfigError(`${path}: mountPath "${v.mountPath}" is mounted twice`);
    seen.add(v.name);
    paths.add(v.mountPath);
    if ('claim' in v) {
      volumes.push({
        name: v.name,
        persistentVolumeClaim: { claimName: v.claim.claimName, ...(v.readOnly ? { readOnly: true } : {}) },
      });
      mounts.push({ name: v.name, mountPath: v.mountPath, ...(v.readOnly ? { readOnly: true } : {}) });
    } else if ('emptyDir' in v) {
      parseQuantity(path, `volumes.${v.name}.emptyDir.sizeLimit`, v.emptyDir.sizeLimit);
      volumes.push({ name: v.name, emptyDir: { sizeLimit: quantity(v.emptyDir.sizeLimit) } });
      mounts.push({ name: v.name, mountPath: v.mountPath });
    } else if ('configMap' in v) {
      for (const i of v.items ?? []) if (v.configMap instanceof ConfigMap) v.configMap.assertKey(path, i.key);
      volumes.push({
        name: v.name,
        configMap: {
          name: refs.add(path, v.configMap),
          ...(v.items ? { items: v.items.map((i) => ({ key: i.key, path: i.path })) } : {}),
        },
      });
      mounts.push({ name: v.name, mountPath: v.mountPath, readOnly: true });
    } else {
      volumes.push({ name: v.name, secret: { secretName: v.secret.secretName } });
      mounts.push({ name: v.name, mountPath: v.mountPath, readOnly: true });
    }
  }
  const img = resolveImage(path, p.image, p.imageConstraints);
  const mainPort: MainPort | undefined = x.ports.length
    ? { name: x.ports[0].name, number: x.ports[0].port }
    : undefined;
  const containerNames = new Set<string>([p.component]);
  const main = container(path, {
    name: p.component,
    image: img,
    resources: p.resources,
    command: p.command,
    args: p.args,
    env: p.env,
    envFrom: p.envFrom,
    mounts,
    ports: x.ports,
    probes: x.probes,
    mainPort,
    lifecycle: x.lifecycle,
    lifecycleBinaries: x.lifecycleBinaries,
    runAs: p.runAs,
    imageBinaries: p.imageBinaries,
    refs,
  });
  const extra = (kind: 'initContainers' | 'sidecars', specs: readonly ContainerSpec[] | undefined) =>
    (specs ?? []).map((s) => {
      const where = `${path}/${kind}/${s.name}`;
      assertDnsLabel(where, 'name', s.name);
      if (containerNames.has(s.name))
        throw new ConfigError(`${where}: container name "${s.name}" is used twice`);
      containerNames.add(s.name);
      if (kind === 'initContainers' && (s.ports?.length || s.probes))
        throw new ConfigError(`${where}: an init container runs to completion: it takes no ports or probes`);
      const cMounts: k8s.VolumeMount[] = [{ name: 'tmp', mountPath: '/tmp' }];
      for (const m of s.mounts ?? []) {
        const vol = volumes.find((v) => v.name === m.volume);
        if (!vol)
          throw new ConfigError(
            `${where}: mounts.${m.volume}: no pod volume "${m.volume}" (volumes: ${volumes.map((v) => v.name).join(', ')})`,
          );
        const ro = m.readOnly || !!vol.configMap || !!vol.secret;
        cMounts.push({ name: m.volume, mountPath: m.mountPath, ...(ro ? { readOnly: true } : {}) });
      }
      const image = resolveImage(where, s.image, p.imageConstraints);
      const arch = image.nodeSelector['kubernetes.io/arch'];
      if (arch !== img.nodeSelector['kubernetes.io/arch'])
        throw new ConfigError(
          `${where}: image built for ${arch} but the main container's is ${img.nodeSelector['kubernetes.io/arch']}: every container of a pod runs on the same node`,
        );
      return container(where, {
        name: s.name,
        image,
        resources: s.resources,
        command: s.command,
        args: s.args,
        env: s.env,
        envFrom: s.envFrom,
        mounts: cMounts,
        ports: s.ports ?? [],
        probes: s.probes,
        mainPort: s.ports?.length ? { name: s.ports[0].name, number: s.ports[0].port } : undefined,
        runAs: s.runAs ?? p.runAs,
        imageBinaries: s.imageBinaries,
        refs,
      });
    });
  const inits = extra('initContainers', p.initContainers);
  const sidecars = extra('sidecars', p.sidecars);
  const identity = componentLabels({ system: p.system, component: p.component });
  for (const k of Object.keys(p.podLabels ?? {}))
    if (k in identity)
      throw new ConfigError(`${path}: podLabels.${k} would override the identity label the selector uses`);
  const annotations: Record<string, string> = { ...p.podAnnotations };
  for (const [name, hash] of [...refs.hashes].sort(([a], [b]) => a.localeCompare(b)))
    annotations[`${CONFIG_CHECKSUM_PREFIX}${name}`] = hash;
  const declared = [main, ...sidecars, ...inits]
    .filter((c) => c.binaries.length)
    .map((c) => `${c.container.name}=${[...new Set(c.binaries)].sort().join(',')}`);
  if (declared.length) annotations[IMAGE_BINARIES_ANNOTATION] = declared.join(';');
  return {
    metadata: {
      labels: { ...p.podLabels, ...identity },
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
    spec: {
      ...(x.serviceAccountName ? { serviceAccountName: x.serviceAccountName } : {}),
      automountServiceAccountToken: x.automountToken,
      enableServiceLinks: false,
      securityContext: restrictedPodSecurityContext(path, p.runAs),
      nodeSelector: img.nodeSelector,
      ...(x.topologySpreadConstraints ? { topologySpreadConstraints: x.topologySpreadConstraints } : {}),
      terminationGracePeriodSeconds: x.terminationGracePeriodSeconds,
      ...(x.restartPolicy ? { restartPolicy: x.restartPolicy } : {}),
      ...(inits.length ? { initContainers: inits.map((c) => c.container) } : {}),
      containers: [main.container, ...sidecars.map((c) => c.container)],
      volumes,
    },
  };
}

function container(
  path: string,
  c: {
    name: string;
    image: ReturnType<typeof resolveImage>;
    resources: ResourceRequirements;
    command?: readonly string[];
    args?: readonly string[];
    env?: readonly EnvVar[];
    envFrom?: readonly EnvFrom[];
    mounts: k8s.VolumeMount[];
    ports: readonly PortSpec[];
    probes?: ProbeProps;
    mainPort?: MainPort;
    lifecycle?: k8s.Lifecycle;
    lifecycleBinaries?: readonly string[];
    runAs?: RunAsProps;
    imageBinaries?: readonly string[];
    refs: ConfigRefs;
  },
): BuiltContainer {
  const env = renderEnv(path, c.env, c.refs);
  const envFrom = renderEnvFrom(path, c.envFrom, c.refs);
  const probes: Probes = c.probes ? renderProbes(path, c.probes, c.mainPort) : {};
  const needed = [...(c.probes ? execBinaries(c.probes) : []), ...(c.lifecycleBinaries ?? [])];
  const have = new Set(c.imageBinaries ?? []);
  for (const bin of needed) {
    if (!have.has(bin))
      throw new ConfigError(
        `${path}: container ${c.name} runs \`${bin}\` in an exec probe or hook, but imageBinaries does not list it: ` +
          `distroless and chiseled images have no shell or coreutils; use an httpGet/grpc/tcp probe (or the native preStop sleep), or add "${bin}" to imageBinaries if the image ships it`,
      );
  }
  return {
    container: {
      name: c.name,
      image: c.image.image,
      imagePullPolicy: c.image.imagePullPolicy,
      ...(c.command ? { command: [...c.command] } : {}),
      ...(c.args ? { args: [...c.args] } : {}),
      ...(env.length ? { env } : {}),
      ...(envFrom.length ? { envFrom } : {}),
      ...(c.ports.length ? { ports: renderPorts(path, c.ports) } : {}),
      resources: renderResources(path, c.resources),
      securityContext: restrictedContainerSecurityContext(path, c.runAs),
      volumeMounts: c.mounts,
      ...probes,
      ...(c.lifecycle ? { lifecycle: c.lifecycle } : {}),
    },
    binaries: needed.filter((b) => have.has(b)),
  };
}
