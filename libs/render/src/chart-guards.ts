/**
 * Guards: the rules the typed layer enforces across fields (zod refinements, construct checks), written
 * as Helm template actions that `fail` with a message naming the value, so `helm template` refuses what
 * `npm run render` refuses. A guard is Go template text; the helpers below build the common ones from
 * values paths. Emitted into `templates/guards.yaml` (renders no object) and `templates/_helpers.tpl`.
 */
import { valuesRef, dotted, type Path } from './values-index';

/** One cross-field rule of the typed layer, as Helm template text that calls `fail`. */
export interface ChartGuard {
  /** Values it reads, dotted (for the README). */
  readonly values: readonly string[];
  /** What it refuses, one line (for the README). */
  readonly rule: string;
  /** Template text; `fail` with a message naming the value. */
  readonly template: string;
}

const p = (dottedPath: string): Path => dottedPath.split('.');
/** A values reference valid inside `range` too (`$` is the root). */
const rootRef = (path: Path) =>
  valuesRef(path)
    .replace(/^\.Values/, '$.Values')
    .replace(/^\(index \.Values/, '(index $.Values');
const ref = (d: string) => rootRef(p(d));
const q = (s: string) => JSON.stringify(s);

/** `fail` when `condition` (a Go template expression) holds. */
export function failWhen(values: readonly string[], condition: string, message: string): ChartGuard {
  return {
    values,
    rule: message,
    template: `{{- if ${condition} }}{{- fail ${q(message)} }}{{- end }}`,
  };
}

/** `fail` when `condition` holds, with a message built by `printf` (e.g. to show the value). */
export function failWhenf(
  values: readonly string[],
  condition: string,
  rule: string,
  format: string,
  ...args: string[]
): ChartGuard {
  return {
    values,
    rule,
    template: `{{- if ${condition} }}{{- fail (printf ${q(format)} ${args.join(' ')}) }}{{- end }}`,
  };
}

/** A Kubernetes quantity (string or number) in base units, as a float expression. */
export function quantityExpr(d: string): string {
  return `(include "gitops.quantity" ${ref(d)} | float64)`;
}

/** requests ≤ limits for cpu and memory of one resources block (the constructs refuse the opposite). */
export function requestsWithinLimits(resources: string): ChartGuard[] {
  return ['cpu', 'memory'].map((r) =>
    failWhenf(
      [`${resources}.requests.${r}`, `${resources}.limits.${r}`],
      `gt ${quantityExpr(`${resources}.requests.${r}`)} ${quantityExpr(`${resources}.limits.${r}`)}`,
      `${resources}.requests.${r} must not exceed ${resources}.limits.${r}`,
      `${resources}.requests.${r} (%v) exceeds ${resources}.limits.${r} (%v)`,
      ref(`${resources}.requests.${r}`),
      ref(`${resources}.limits.${r}`),
    ),
  );
}

/** minReplicas ≤ maxReplicas. */
export function minNotAboveMax(block: string): ChartGuard {
  return failWhenf(
    [`${block}.minReplicas`, `${block}.maxReplicas`],
    `gt (${ref(`${block}.minReplicas`)} | float64) (${ref(`${block}.maxReplicas`)} | float64)`,
    `${block}.minReplicas must not exceed ${block}.maxReplicas`,
    `${block}.minReplicas (%v) must not exceed ${block}.maxReplicas (%v)`,
    ref(`${block}.minReplicas`),
    ref(`${block}.maxReplicas`),
  );
}

/** The image of a component comes from a registry the environment allows, built for the nodes' architecture. */
export function imageFitsPlatform(component: string): ChartGuard[] {
  const repo = ref(`${component}.image.repository`);
  return [
    {
      values: [`${component}.image.repository`, 'platform.allowedRegistries'],
      rule: `${component}.image.repository must be in one of platform.allowedRegistries`,
      template:
        `{{- $ok := false }}{{- range $r := $.Values.platform.allowedRegistries }}` +
        `{{- if or (eq (toString ${repo}) (toString $r)) (hasPrefix (printf "%s/" (trimSuffix "/" (toString $r))) (toString ${repo})) }}{{- $ok = true }}{{- end }}{{- end }}` +
        `{{- if not $ok }}{{- fail (printf ${q(`${component}.image.repository: registry not allowed here (%v); allowed: %s`)} ${repo} (join ", " $.Values.platform.allowedRegistries)) }}{{- end }}`,
    },
    failWhenf(
      [`${component}.image.platform`, 'platform.nodeArch'],
      `ne (toString ${ref(`${component}.image.platform`)}) (toString .Values.platform.nodeArch)`,
      `${component}.image.platform must equal platform.nodeArch`,
      `${component}.image.platform: image built for %v but nodes are %v (seed 002: "no match for platform in manifest")`,
      ref(`${component}.image.platform`),
      '.Values.platform.nodeArch',
    ),
  ];
}

/** Every entry of a CIDR list is a valid IPv4 block with the host bits zero. */
export function validCidrs(list: string): ChartGuard {
  return {
    values: [list],
    rule: `${list}: IPv4 CIDR blocks with the host bits zero`,
    template: `{{- range $i, $c := ${ref(list)} }}{{- include "gitops.cidr" (list ${q(list)} $i $c) }}{{- end }}`,
  };
}

/** A single CIDR value is a valid IPv4 block. */
export function validCidr(value: string): ChartGuard {
  return {
    values: [value],
    rule: `${value}: an IPv4 CIDR block with the host bits zero`,
    template: `{{- include "gitops.cidr" (list ${q(value)} -1 ${ref(value)}) }}`,
  };
}

/** `0.0.0.0/0` is not allowed in a CIDR list (optionally only when `unless` is false). */
export function noOpenCidr(list: string, message: string, unless?: string): ChartGuard {
  const cond = `has "0.0.0.0/0" ${ref(list)}`;
  return failWhen([list], unless ? `and (${cond}) (not (${unless}))` : cond, `${list}: ${message}`);
}

/** Private (RFC 1918) CIDRs only when `when` holds (on premises). */
export function privateCidrsWhen(list: string, when: string, message: string): ChartGuard {
  return {
    values: [list],
    rule: `${list}: ${message}`,
    template:
      `{{- if ${when} }}{{- range $i, $c := ${ref(list)} }}` +
      `{{- if not (regexMatch "^(10\\\\.|192\\\\.168\\\\.|172\\\\.(1[6-9]|2[0-9]|3[01])\\\\.)" (toString $c)) }}` +
      `{{- fail (printf ${q(`${list}[%d]: %v: ${message}`)} $i $c) }}{{- end }}{{- end }}{{- end }}`,
  };
}

/** A value that is render-time configuration: refuse an override, naming where to change it. */
export function renderTimeGuard(path: Path, system: string): ChartGuard {
  const parents = path.slice(0, -1);
  const tests: string[] = [];
  for (let i = 0; i < path.length; i++) {
    const parent = i === 0 ? '.Values' : valuesRef(path.slice(0, i));
    if (i > 0) tests.push(`(kindIs "map" ${parent})`);
    tests.push(`(hasKey ${parent} ${q(String(path[i]))})`);
  }
  void parents;
  const message =
    `${dotted(path)} is not a value of this chart: it is render-time configuration, ` +
    `change it in apps/${system}/src/environments.ts and run npm run render`;
  return failWhen([dotted(path)], tests.length === 1 ? tests[0] : `and ${tests.join(' ')}`, message);
}

/** The release namespace must be the chart's namespace (every object carries it explicitly). */
export function releaseNamespaceGuard(namespace: string, renderTimeIn?: string): ChartGuard {
  const change = renderTimeIn
    ? `the namespace is render-time configuration in ${renderTimeIn}`
    : 'or set the namespace value to the release namespace';
  return failWhenf(
    ['namespace'],
    `ne .Release.Namespace ${namespace}`,
    'the release namespace must equal the namespace of the chart',
    `release namespace %q differs from the namespace of this chart (%q): install with --namespace %s (Argo CD: destination.namespace); ${change}`,
    '.Release.Namespace',
    namespace,
    namespace,
  );
}

/** `templates/_helpers.tpl`: quantity parsing and CIDR checks used by guards. */
export const HELPERS_TPL = `{{- /* A Kubernetes quantity (500m, 1Gi, 1.5, 2) in base units. */ -}}
{{- define "gitops.quantity" -}}
{{- $s := toString . -}}
{{- $num := regexFind "^[0-9]+(\\\\.[0-9]+)?" $s -}}
{{- $suffix := trimPrefix $num $s -}}
{{- $mult := get (dict "" 1.0 "m" 0.001 "k" 1000.0 "M" 1000000.0 "G" 1000000000.0 "T" 1000000000000.0 "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0) $suffix -}}
{{- mulf (float64 $num) $mult -}}
{{- end -}}
{{- /* Fail unless (list name index value) holds an IPv4 CIDR block with the host bits zero. */ -}}
{{- define "gitops.cidr" -}}
{{- $name := index . 0 -}}{{- $i := index . 1 -}}{{- $c := toString (index . 2) -}}
{{- $where := ternary $name (printf "%s[%d]" $name $i) (lt (int $i) 0) -}}
{{- $m := regexFind "^([0-9]{1,3})\\\\.([0-9]{1,3})\\\\.([0-9]{1,3})\\\\.([0-9]{1,3})/([0-9]{1,2})$" $c -}}
{{- if not $m -}}
{{- fail (printf "%s: %s: expected an IPv4 CIDR block like 10.0.0.0/16 with the host bits zero" $where $c) -}}
{{- end -}}
{{- $parts := regexSplit "[./]" $c -1 -}}
{{- $ip := 0 -}}
{{- range $k, $o := slice $parts 0 4 -}}
{{- if gt (atoi $o) 255 -}}{{- fail (printf "%s: %s: expected an IPv4 CIDR block like 10.0.0.0/16 with the host bits zero" $where $c) -}}{{- end -}}
{{- $ip = add (mul $ip 256) (atoi $o) -}}
{{- end -}}
{{- $prefix := atoi (index $parts 4) -}}
{{- if gt $prefix 32 -}}{{- fail (printf "%s: %s: expected an IPv4 CIDR block like 10.0.0.0/16 with the host bits zero" $where $c) -}}{{- end -}}
{{- $host := 1 -}}
{{- range until (sub 32 $prefix | int) -}}{{- $host = mul $host 2 -}}{{- end -}}
{{- if ne (mod $ip $host) 0 -}}
{{- fail (printf "%s: %s: expected an IPv4 CIDR block like 10.0.0.0/16 with the host bits zero" $where $c) -}}
{{- end -}}
{{- end -}}
`;

/** `templates/guards.yaml`: every guard; renders no object. */
export function guardsTemplate(guards: readonly ChartGuard[], header: string): string {
  return `${header}\n${guards.map((g) => g.template).join('\n')}\n`;
}

/** The AppIngress rules: TLS on the ALB needs an ACM certificate ARN, nginx has no TLS secret here, ALB group names are DNS-like. */
export function appIngressGuards(
  ingress = 'ingress',
  controller = 'platform.ingressController',
): ChartGuard[] {
  const tls = `eq (toString ${ref(`${ingress}.tls.enabled`)}) "true"`;
  const alb = `eq (toString ${ref(controller)}) "alb"`;
  return [
    validCidrs(`${ingress}.allowedCidrs`),
    failWhenf(
      [`${ingress}.tls.certificateArn`],
      `and (${tls}) (${alb}) (not (regexMatch "^arn:aws:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]+$" (toString ${ref(`${ingress}.tls.certificateArn`)})))`,
      `${ingress}.tls.certificateArn must be an ACM certificate ARN when ${ingress}.tls.enabled on the ALB`,
      `${ingress}.tls.certificateArn: HTTPS on the ALB needs an ACM certificate ARN, got %q`,
      ref(`${ingress}.tls.certificateArn`),
    ),
    failWhen(
      [`${ingress}.tls.enabled`, controller],
      `and (${tls}) (not (${alb}))`,
      `${ingress}.tls.enabled: TLS is terminated by the ALB (ACM); with ${controller} nginx it needs a TLS secret this system does not configure`,
    ),
    failWhenf(
      [`${ingress}.groupName`],
      `and (${alb}) (or (gt (len (toString ${ref(`${ingress}.groupName`)})) 63) (not (regexMatch "^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$" (toString ${ref(`${ingress}.groupName`)}))))`,
      `${ingress}.groupName: lower-case letters, digits, '-' and '.', at most 63 characters`,
      `${ingress}.groupName %q must be lower-case letters, digits, '-' and '.', at most 63 characters`,
      ref(`${ingress}.groupName`),
    ),
  ];
}
