/** kubeconform's `-schema-location` templates, resolved against local folders. */
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
  /** An http(s) location: never fetched here (lookups that reach it are errors). */
  readonly remote: boolean;
}

const TEMPLATE_TYPE =
  'struct { NormalizedKubernetesVersion string; StrictSuffix string; ResourceKind string; ResourceAPIVersion string; Group string; KindSuffix string }';

/**
 * Go text/template's verdict on a location template, as `registry.New` reports it (`failed initialising
 * schema location registry: template: tpl:1:12: executing "tpl" at <.Foo>: can't evaluate field Foo …`),
 * for the template forms a schema location uses: `{{ .Field }}` actions.
 */
function templateProblem(tpl: string): string | null {
  let pos = 0;
  for (;;) {
    const open = tpl.indexOf('{{', pos);
    if (open === -1) return null;
    const close = tpl.indexOf('}}', open + 2);
    const line = 1 + (tpl.slice(0, open).match(/\n/g)?.length ?? 0);
    if (close === -1) return `template: tpl:${line}: unclosed action`;
    const inner = tpl.slice(open + 2, close);
    const body = inner.replace(/^-\s/, '').replace(/\s-$/, '').trim();
    if (body === '') return `template: tpl:${line}: missing value for command`;
    const m = /^\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(body);
    if (m) {
      if (!(FIELDS as readonly string[]).includes(m[1])) {
        const at = open + 2 + inner.indexOf('.');
        const col = at - (tpl.lastIndexOf('\n', at) + 1);
        return `template: tpl:${line}:${col}: executing "tpl" at <.${m[1]}>: can't evaluate field ${m[1]} in type ${TEMPLATE_TYPE}`;
      }
    } else if (/^[A-Za-z_][A-Za-z0-9_]*/.test(body)) {
      const fn = /^[A-Za-z_][A-Za-z0-9_]*/.exec(body)![0];
      return `template: tpl:${line}: function ${JSON.stringify(fn)} not defined`;
    } else if (body !== '.') return `template: tpl:${line}: unexpected ${JSON.stringify(body)} in command`;
    pos = close + 2;
  }
}

/**
 * Normalise one `-schema-location` as kubeconform's `registry.New` does: `default` is the standalone
 * layout (here: the generated local mirror, as the network is not used), a location not ending in `json`
 * gets the standalone path appended, the template must compile. `file://` prefixes are accepted. A folder
 * that does not exist is not an error here (lookups find nothing, as with kubeconform).
 */
export function parseSchemaLocation(given: string, generatedDir = defaultSchemaDir()): SchemaLocation {
  let loc = given;
  if (loc === 'default') loc = generatedDir + STANDALONE_SUFFIX;
  else if (!loc.endsWith('json')) loc = loc + STANDALONE_SUFFIX;
  const problem = templateProblem(loc);
  if (problem) throw new ValidationConfigError(`failed initialising schema location registry: ${problem}`);
  const remote = /^https?:/.test(loc);
  if (loc.startsWith('file://')) loc = loc.slice('file://'.length);
  return { given, template: loc, remote };
}

/** The default locations: the generated Kubernetes layout, then the generated CRD layout. */
export function defaultSchemaLocations(generatedDir = defaultSchemaDir()): string[] {
  return [generatedDir, generatedDir + CRD_SUFFIX];
}
