/**
 * ConfigMaps: typed data, mounted as files, read into env vars (`envFrom` or one key), and rolled out
 * when their content changes — a workload that references a `ConfigMap` construct carries the content's
 * hash as a pod template annotation, so editing the data restarts exactly the pods that read it.
 */
import { createHash } from 'node:crypto';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { assertDnsLabel, ConfigError, kubeObject, SYNC_WAVE, SYNC_WAVE_ANNOTATION } from './core';

/** Pod template annotation prefix carrying a ConfigMap's content hash: `checksum.gitops.platform/<name>`. */
export const CONFIG_CHECKSUM_PREFIX = 'checksum.gitops.platform/';

export interface ConfigMapProps {
  readonly name: string;
  readonly namespace: string;
  /** Labels of the emitted objects. @default none */
  readonly labels?: Record<string, string>;
  /** Text entries: file name (mounted) or variable name (envFrom) → content. */
  readonly data: Readonly<Record<string, string>>;
  /**
   * Immutable ConfigMaps are never re-read by the kubelet (cheaper on large clusters); a change then
   * needs a new name. @default false
   */
  readonly immutable?: boolean;
}

const KEY = /^[-._a-zA-Z0-9]+$/;

/** A `v1` ConfigMap (sync wave -1, before the workloads that read it). */
export class ConfigMap extends Construct {
  readonly configMapName: string;
  readonly keys: readonly string[];
  /** sha256 of the data (first 16 hex digits): changes exactly when the content does. */
  readonly contentHash: string;
  constructor(scope: Construct, id: string, props: ConfigMapProps) {
    super(scope, id);
    const path = this.node.path;
    assertDnsLabel(path, 'name', props.name, 253);
    const keys = Object.keys(props.data).sort();
    if (!keys.length)
      throw new ConfigError(`${path}: ConfigMap "${props.name}" needs at least one data entry`);
    for (const k of keys) {
      if (!KEY.test(k) || k.length > 253)
        throw new ConfigError(
          `${path}: data key "${k}" must consist of letters, digits, '-', '_' or '.' (a file or variable name)`,
        );
    }
    const size = keys.reduce((n, k) => n + k.length + Buffer.byteLength(props.data[k]), 0);
    if (size > 1024 * 1024)
      throw new ConfigError(`${path}: ConfigMap "${props.name}" holds ${size} bytes; the API limit is 1 MiB`);
    this.configMapName = props.name;
    this.keys = keys;
    this.contentHash = createHash('sha256')
      .update(JSON.stringify(keys.map((k) => [k, props.data[k]])))
      .digest('hex')
      .slice(0, 16);
    kubeObject(
      this,
      'Resource',
      k8s.KubeConfigMap,
      {
        name: props.name,
        namespace: props.namespace,
        labels: props.labels,
        annotations: { [SYNC_WAVE_ANNOTATION]: SYNC_WAVE.externalSecret },
      },
      { data: { ...props.data }, ...(props.immutable ? { immutable: true } : {}) },
    );
  }

  /** Throw unless the ConfigMap has `key`. */
  assertKey(path: string, key: string): void {
    if (!this.keys.includes(key))
      throw new ConfigError(
        `${path}: ConfigMap "${this.configMapName}" has no key "${key}" (has: ${this.keys.join(', ')})`,
      );
  }
}

/** A ConfigMap by construct (its content hash rolls the pods) or by name (no rollout on change). */
export type ConfigMapRef = ConfigMap | string;

export const configMapName = (r: ConfigMapRef): string => (typeof r === 'string' ? r : r.configMapName);
