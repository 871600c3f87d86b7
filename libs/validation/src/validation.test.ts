import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchmarkValidation } from './bench';
import { parseGoFlags, runSchemasCli, runValidateCli, VALIDATE_FLAGS } from './cli';
import { formatResults } from './output';
import { templateData } from './registry';
import { ensureSchemaDir, generateSchemas } from './schemas';
import { createValidator } from './validator';
import { validateValues } from './values';
import { validateWorkspace } from './workspace';

const tmp = () => mkdtempSync(join(tmpdir(), 'gitops-validation-'));
const DEPLOY = (replicas: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  replicas: ${replicas}\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: "r.example.com/web:1"}]\n`;

function cli(argv: string[], cwd?: string) {
  let out = '';
  let err = '';
  const code = runValidateCli(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s), cwd });
  return { code, out, err };
}

describe('schema generation (kubeconform layout)', () => {
  const out = join(tmp(), 'schemas');
  const report = generateSchemas({ out, versions: ['1.29.0'] });
  it('writes standalone(-strict) kinds and CRDs where kubeconform looks for them', () => {
    expect(report.versions).toEqual(['1.29.0']);
    for (const f of [
      'v1.29.0-standalone-strict/deployment-apps-v1.json',
      'v1.29.0-standalone/service-v1.json',
      'v1.29.0-standalone-strict/ingress-networking-v1.json',
      'keda.sh/scaledobject_v1alpha1.json',
      'argoproj.io/application_v1alpha1.json',
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
  });
  it('closes objects in strict schemas only, keeps preserve-unknown-fields and maps open, has no external refs', () => {
    const strict = JSON.parse(
      readFileSync(join(out, 'v1.29.0-standalone-strict/deployment-apps-v1.json'), 'utf8'),
    );
    const open = JSON.parse(readFileSync(join(out, 'v1.29.0-standalone/deployment-apps-v1.json'), 'utf8'));
    expect(strict.additionalProperties).toBe(false);
    expect(open.additionalProperties).toBeUndefined();
    // Standalone as kubeconform's schemas are: definitions inlined, optional fields nullable.
    expect(strict.properties.metadata.properties.labels.additionalProperties).toEqual({ type: 'string' });
    expect(strict.properties.spec.properties.replicas.type).toEqual(['integer', 'null']);
    expect(JSON.stringify(strict)).not.toContain('"$ref"');
    const app = JSON.parse(readFileSync(join(out, 'argoproj.io/application_v1alpha1.json'), 'utf8'));
    const helm = app.properties.spec.properties.source.properties.helm.properties;
    expect(helm.valuesObject['x-kubernetes-preserve-unknown-fields']).toBe(true);
    expect(helm.valuesObject.additionalProperties).toBeUndefined();
    expect(app.properties.spec.additionalProperties).toBe(false);
  });
  it('validates against a given -kubernetes-version and -schema-location templates tried in order', () => {
    const v = createValidator({
      schemaLocations: [out + '/{{.ResourceKind}}-nothing-here.json', out],
      kubernetesVersion: '1.29.0',
      strict: true,
      schemaDir: out,
    });
    // A folder that does not exist finds nothing, as with kubeconform.
    expect(
      createValidator({ schemaLocations: ['/definitely/missing'] }).validateText(DEPLOY('2'), 'd.yaml')[0]
        .msg,
    ).toBe('could not find schema for Deployment');
    expect(v.validateText(DEPLOY('2'), 'd.yaml')[0].status).toBe('statusValid');
    // ScaledObject is not in the Kubernetes layout and no CRD location was given.
    expect(
      v.validateText('apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: s}\n', 's.yaml')[0]
        .msg,
    ).toBe('could not find schema for ScaledObject');
    expect(() => createValidator({ schemaLocations: [out + '/{{.Bogus}}.json'], schemaDir: out })).toThrow(
      /can't evaluate field Bogus/,
    );
  });
  it('computes kubeconform template data', () => {
    expect(templateData('Ingress', 'networking.k8s.io/v1', '1.31.0', true)).toEqual({
      NormalizedKubernetesVersion: 'v1.31.0',
      StrictSuffix: '-strict',
      ResourceKind: 'ingress',
      ResourceAPIVersion: 'v1',
      Group: 'networking.k8s.io',
      KindSuffix: '-networking-v1',
    });
    expect(templateData('Service', 'v1', 'master', false)).toMatchObject({
      NormalizedKubernetesVersion: 'master',
      StrictSuffix: '',
      Group: 'v1',
      KindSuffix: '-v1',
    });
  });
});

describe('kubeconform semantics', () => {
  ensureSchemaDir();
  it('strict mode rejects unknown fields and duplicate keys; non-strict accepts them', () => {
    const typo = DEPLOY('2').replace('  replicas', '  replica');
    const dup = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: "1"}\ndata: {b: "2"}\n';
    const strict = createValidator({ strict: true, kubernetesVersion: '1.31.0' });
    const loose = createValidator({ strict: false, kubernetesVersion: '1.31.0' });
    expect(strict.validateText(typo, 'f')[0].msg).toContain(
      "- at '/spec': additional properties 'replica' not allowed",
    );
    expect(loose.validateText(typo, 'f')[0].status).toBe('statusValid');
    expect(strict.validateText(dup, 'f')[0]).toMatchObject({
      status: 'statusError',
      kind: 'ConfigMap',
      name: 'c',
    });
    expect(loose.validateText(dup, 'f')[0].status).toBe('statusValid');
  });
  it('skips and rejects by kind or group/version/Kind; missing schemas are errors unless ignored', () => {
    const text = DEPLOY('2') + '---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n';
    const st = (o: object) =>
      createValidator({ kubernetesVersion: '1.31.0', ...o })
        .validateText(text, 'f')
        .map((r) => r.status);
    expect(st({})).toEqual(['statusValid', 'statusError']);
    expect(st({ ignoreMissingSchemas: true })).toEqual(['statusValid', 'statusSkipped']);
    expect(st({ skip: ['apps/v1/Deployment,Widget'] })).toEqual(['statusSkipped', 'statusSkipped']);
    const rejected = createValidator({ reject: ['Deployment'], ignoreMissingSchemas: true }).validateText(
      text,
      'f',
    );
    expect(rejected[0]).toMatchObject({ status: 'statusError', msg: 'prohibited resource kind Deployment' });
  });
  it('reports the JSON pointer and what was expected, with the document line', () => {
    const [r] = createValidator({ strict: true, kubernetesVersion: '1.28.0' })
      .validateText('# c\n---\n' + DEPLOY('"3"'), 'charts/shop (values-dev.yaml)')
      .filter((x) => x.status !== 'statusEmpty');
    expect(r.status).toBe('statusInvalid');
    expect(r.msg).toMatch(
      /^problem validating schema\. Check JSON formatting: jsonschema validation failed with 'file:\/\/\/.*v1\.28\.0-standalone-strict\/deployment-apps-v1\.json#' - at '\/spec\/replicas': got string, want null or integer$/,
    );
    expect(r.validationErrors).toEqual([{ path: '/spec/replicas', msg: 'got string, want null or integer' }]);
    expect(r.line).toBe(3);
  });
});

describe('output formats', () => {
  const results = createValidator({ strict: true, kubernetesVersion: '1.31.0' }).validateText(
    DEPLOY('2') + '---\n' + DEPLOY('"x"') + '---\nkind: X\n',
    'a.yaml',
  );
  it('text with summary', () => {
    const t = formatResults(results, 'text', { summary: true }).split('\n');
    expect(t[0]).toMatch(/^a\.yaml - Deployment web is invalid: problem validating schema/);
    expect(t[1]).toBe("a.yaml - failed validation: error while parsing: missing 'apiVersion' key");
    expect(t[2]).toBe('Summary: 3 resources found in 1 file - Valid: 1, Invalid: 1, Errors: 1, Skipped: 0');
  });
  it('json in kubeconform shape', () => {
    const j = JSON.parse(formatResults(results, 'json', { summary: true }));
    expect(Object.keys(j)).toEqual(['resources', 'summary']);
    expect(j.resources[0]).toMatchObject({
      filename: 'a.yaml',
      kind: 'Deployment',
      name: 'web',
      version: 'apps/v1',
      status: 'statusInvalid',
    });
    expect(j.summary).toEqual({ valid: 1, invalid: 1, errors: 1, skipped: 0 });
    expect(JSON.parse(formatResults(results, 'json', { verbose: true })).resources).toHaveLength(3);
  });
  it('tap and junit', () => {
    expect(formatResults(results, 'tap').split('\n')).toEqual([
      'TAP version 13',
      'ok 1 - a.yaml (apps/v1/Deployment/shop/web)',
      expect.stringMatching(/^not ok 2 - a\.yaml \(apps\/v1\/Deployment\/shop\/web\): problem/),
      "not ok 3 - a.yaml: error while parsing: missing 'apiVersion' key",
      '1..3',
      '',
    ]);
    const x = formatResults(results, 'junit');
    expect(x).toContain(
      '<testsuites name="kubeconform" time="0" tests="3" failures="1" disabled="0" errors="1">',
    );
    expect(x).toContain('<testcase name="shop/web" classname="Deployment@apps/v1" time="0"></testcase>');
  });
});

describe('CLI', () => {
  const dir = tmp();
  writeFileSync(join(dir, 'ok.yaml'), DEPLOY('2'));
  writeFileSync(join(dir, 'bad.yaml'), DEPLOY('"2"'));
  it('accepts Go-style flags', () => {
    expect(
      parseGoFlags(
        ['-strict', '--summary', '-output=json', '-schema-location', 'a', '-schema-location=b', 'f'],
        VALIDATE_FLAGS,
      ),
    ).toEqual({
      flags: { strict: true, summary: true, output: 'json', 'schema-location': ['a', 'b'] },
      paths: ['f'],
    });
  });
  it('validates files and folders with exit code 1 on invalid', () => {
    expect(cli(['-strict', '-summary', 'ok.yaml'], dir)).toEqual({
      code: 0,
      out: 'Summary: 1 resource found in 1 file - Valid: 1, Invalid: 0, Errors: 0, Skipped: 0\n',
      err: '',
    });
    const r = cli(['-strict', '-output', 'json', '-summary', '.'], dir);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).resources.map((x: any) => x.filename)).toEqual(['bad.yaml']);
  });
  it('prints one line for bad input', () => {
    for (const [argv, msg] of [
      [['-output', 'xml', 'ok.yaml'], "'outputFormat' must be 'json', 'junit', 'pretty', 'tap' or 'text'\n"],
      [
        ['-schema-location', '/x/{{ .Nope }}.json', 'ok.yaml'],
        'failed initialising schema location registry: template: tpl:1:6: executing "tpl" at <.Nope>: can\'t evaluate field Nope in type struct { NormalizedKubernetesVersion string; StrictSuffix string; ResourceKind string; ResourceAPIVersion string; Group string; KindSuffix string }\n',
      ],
    ] as const) {
      expect(cli([...argv], dir)).toEqual({ code: 1, out: '', err: msg });
    }
    // Go's flag package: the message, then the usage.
    const nope = cli(['-nope'], dir);
    expect(nope.code).toBe(1);
    expect(nope.err.split('\n').slice(0, 2)).toEqual([
      'flag provided but not defined: -nope',
      'Usage: validate [OPTION]... [FILE OR FOLDER]...',
    ]);
    // A missing path (`-` among paths is a path) is one error result, and like kubeconform (which cancels
    // its file discovery on the first discovery error) nothing after it is looked at.
    expect(cli(['ok.yaml', '-', 'missing.yaml'], dir)).toEqual({
      code: 1,
      out: '- - failed validation: lstat -: no such file or directory\n',
      err: '',
    });
  });
  it('runs policies on files for -environment', () => {
    const r = cli(['-environment', 'prod', 'ok.yaml'], dir);
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      'ok.yaml - apps/v1/Deployment shop/web violates image-registry-allowed at /spec/template/spec/containers/0/image',
    );
  });
  it('schemas command reports bad input in one line', () => {
    let err = '';
    expect(runSchemasCli(['-source', '/no/such'], { stdout: () => {}, stderr: (s) => (err += s) })).toBe(1);
    expect(err).toBe(
      'schemas: schema source /no/such does not exist (set $GITOPS_SCHEMAS_SRC or pass -source)\n',
    );
  });
});

describe('values and workspace', () => {
  const schema = {
    type: 'object',
    additionalProperties: false,
    required: ['replicas'],
    properties: {
      replicas: { type: 'integer', minimum: 1 },
      image: { type: 'object', properties: { tag: { type: 'string' } } },
    },
  };
  it('validates values against values.schema.json', () => {
    expect(validateValues({ replicas: 2 }, schema, 'charts/shop/values-dev.yaml').status).toBe('statusValid');
    const r = validateValues({ replicas: 0, image: { tag: 1 } }, schema, 'charts/shop/values-prod.yaml');
    expect(r.status).toBe('statusInvalid');
    expect(r.validationErrors.map((v) => `${v.path}: ${v.msg}`)).toEqual([
      '/replicas: must be >= 1 but found 0',
      '/image/tag: expected string, but got integer',
    ]);
  });
  it('renders every Argo CD source, validates it with its environment version, and checks values and policies', () => {
    const repo = tmp();
    mkdirSync(join(repo, 'charts/shop'), { recursive: true });
    writeFileSync(join(repo, 'charts/shop/values.schema.json'), JSON.stringify(schema));
    writeFileSync(join(repo, 'charts/shop/values.yaml'), 'replicas: 1\n');
    writeFileSync(join(repo, 'charts/shop/values-prod.yaml'), 'replicas: "two"\n');
    mkdirSync(join(repo, 'overlays/argocd/prod'), { recursive: true });
    writeFileSync(
      join(repo, 'overlays/argocd/prod/shop.yaml'),
      'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: shop-prod, namespace: argocd}\nspec:\n  project: default\n  destination: {namespace: shop, server: "https://kubernetes.default.svc"}\n  sourcee: {}\n',
    );
    const seen: string[] = [];
    const report = validateWorkspace({
      repoDir: repo,
      discover: () => [
        {
          application: 'shop-prod',
          system: 'shop',
          environment: 'prod',
          form: 'helm',
          path: 'charts/shop',
          releaseName: 'shop',
          valueFiles: ['values-prod.yaml'],
          namespace: 'shop',
          kubeVersion: '1.30.0',
          definedIn: 'overlays/argocd/prod/shop.yaml',
        },
        {
          application: 'shop-dev',
          system: 'shop',
          environment: 'dev',
          form: 'kustomize',
          path: 'overlays/shop/dev',
          namespace: 'shop',
          kubeVersion: '1.28.0',
          definedIn: 'x',
        },
      ],
      render: (_r, s) => {
        seen.push(s.application);
        if (s.form === 'kustomize')
          throw new Error('kustomize build overlays/shop/dev failed: missing kustomization.yaml');
        return DEPLOY('2');
      },
    });
    expect(seen).toEqual(['shop-prod', 'shop-dev']);
    const line = (r: any) => `${r.filename} ${r.status} ${r.msg.slice(0, 60)}`;
    expect(report.results.map(line)).toEqual([
      expect.stringMatching(/^charts\/shop \(values-prod\.yaml\) statusValid/),
      expect.stringMatching(/^charts\/shop\/values-prod\.yaml statusInvalid values don't meet/),
      expect.stringMatching(
        /^overlays\/shop\/dev statusError rendering failed: kustomize build overlays\/shop\/dev failed/,
      ),
      expect.stringMatching(/^overlays\/argocd\/prod\/shop\.yaml statusInvalid problem validating schema/),
    ]);
    expect(report.results[0].schema).toContain('v1.30.0-standalone-strict');
    expect(report.policyViolations.map((v) => v.rule)).toContain('image-registry-allowed');
  });
});

describe('benchmark', () => {
  it('is deterministic across runs', () => {
    const a = benchmarkValidation(300);
    const b = benchmarkValidation(300);
    expect(a.resources).toBe(300);
    expect(a.digest).toBe(b.digest);
    expect(a.invalid).toBeGreaterThan(0);
    expect(a.perSecond).toBeGreaterThan(0);
  });
});

describe("the platform's own output", () => {
  it('validates clean in strict mode against each environment version (CRDs included) and passes every policy', () => {
    const report = validateWorkspace({ repoDir: join(__dirname, '../../..') });
    expect(report.sources.length).toBeGreaterThan(0);
    const notValid = report.results.filter((r) => r.status !== 'statusValid' && r.status !== 'statusEmpty');
    expect(notValid.map((r) => `${r.filename} ${r.kind} ${r.name}: ${r.msg}`)).toEqual([]);
    expect(report.results.filter((r) => r.status === 'statusValid').length).toBeGreaterThan(
      report.sources.length,
    );
    expect(report.policyViolations).toEqual([]);
  });
});
