/** kubeconform's `-schema-location` templates, resolved against local folders. */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { ValidationConfigError } from './errors';
import { defaultSchemaDir } from './schemas';

/** kubeconform's default location (`-schema-location default`). */
export const KUBECONFORM_DEFAULT_LOCATION =
  'https://raw.githubusercontent.com/yannh/kubernetes-json-schema/master/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json';

const STANDALONE_SUFFIX =
  '/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json';
export const CRD_SUFFIX = '/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json';

const FIELDS = [
  'NormalizedKubernetesVersion',
  'StrictSuffix',
  'ResourceKind',
  'ResourceAPIVersion',
  'Group',
  'KindSuffix',
] as const;
type Field = (typeof FIELDS)[number];

/** The template data kubeconform computes for one resource. */
export function templateData(
  kind: string,
  apiVersion: string,
  k8sVersion: string,
  strict: boolean,
): Record<Field, string> {
  const groupParts = apiVersion.split('/');
  const versionParts = groupParts[0].split('.');
  let kindSuffix = '-' + versionParts[0].toLowerCase();
  if (groupParts.length > 1) kindSuffix += '-' + groupParts[1].toLowerCase();
  return {
    NormalizedKubernetesVersion: k8sVersion === 'master' ? 'master' : `v${k8sVersion}`,
    StrictSuffix: strict ? '-strict' : '',
    ResourceKind: kind.toLowerCase(),
    ResourceAPIVersion: groupParts[groupParts.length - 1],
    Group: groupParts[0],
    KindSuffix: kindSuffix,
  };
}

const TOKEN = /\{\{-?\s*\.(\w+)\s*-?\}\}/g;

export function renderTemplate(tpl: string, data: Record<Field, string>): string {
  return tpl.replace(TOKEN, (_m, f: string) => data[f as Field]);
}

export interface SchemaLocation {
  /** The location as given. */
  readonly given: string;
  /** The full template, after kubeconform's defaulting (`default`, folders without `.json`). */
  readonly template: string;
}

/**
 * Normalise one `-schema-location` as kubeconform does: `default` is the standalone layout (here: the
 * generated local mirror, as the network is not used), a location not ending in `json` gets the
 * standalone path appended. `file://` prefixes are accepted.
 */
export function parseSchemaLocation(given: string, generatedDir = defaultSchemaDir()): SchemaLocation {
  let loc = given;
  if (loc === 'default') loc = generatedDir + STANDALONE_SUFFIX;
  else if (!loc.endsWith('json')) loc = loc.replace(/\/+$/, '') + STANDALONE_SUFFIX;
  if (loc.startsWith('file://')) loc = loc.slice('file://'.length);
  if (/^https?:\/\//.test(loc)) {
    throw new ValidationConfigError(
      `-schema-location ${given}: remote schema locations are not fetched by this validator; download the schemas ` +
        `(or run npm run schemas -- -output <dir>) and pass the folder instead`,
    );
  }
  for (const m of loc.matchAll(/\{\{(.*?)\}\}/g)) {
    const f = /^-?\s*\.(\w+)\s*-?$/.exec(m[1]);
    if (!f || !(FIELDS as readonly string[]).includes(f[1])) {
      throw new ValidationConfigError(
        `-schema-location ${given}: failed initialising schema location registry: unknown template field ${m[0]} (known: ${FIELDS.map((x) => `{{.${x}}}`).join(', ')})`,
      );
    }
  }
  const brace = loc.indexOf('{{');
  const fixed = brace === -1 ? dirname(loc) : loc.slice(0, brace);
  const dir = fixed.endsWith('/') ? fixed : dirname(fixed);
  if (!existsSync(dir)) {
    throw new ValidationConfigError(`-schema-location ${given}: folder ${dir} does not exist`);
  }
  return { given, template: loc };
}

/** The default locations: the generated Kubernetes layout, then the generated CRD layout. */
export function defaultSchemaLocations(generatedDir = defaultSchemaDir()): string[] {
  return [generatedDir, generatedDir + CRD_SUFFIX];
}
