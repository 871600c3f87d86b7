/**
 * Property-based tests (fast-check) over environment configs and values:
 *  - every generated VALID config renders (chart + overlay) to outputs that match the synthesis through
 *    the real helm and kustomize (parity), validate strictly against the Kubernetes schemas, and whose
 *    values files validate against values.schema.json;
 *  - every generated INVALID config is rejected by resolveValues with a ConfigError naming the file,
 *    the environment and the field — never another exception.
 *
 * Valid runs spawn helm and kustomize, so they are few (numRuns below); invalid runs are in-process and many.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ENVIRONMENT_NAMES, type EnvironmentName } from '@gitops/environments';
import {
  checkParity,
  ConfigError,
  isAmbiguousScalar,
  mergeValues,
  parityTargets,
  renderSystem,
  resolveValues,
  stageFiles,
  TemplateInferenceError,
  type SystemDefinition,
  type SystemRender,
} from '@gitops/render';
import { fixtureSystem } from '../../../libs/render/src/testing/fixture-system';
import { createValidator, validateChartValues, type Validator } from '@gitops/validation';
import { REPO_ROOT } from './throwaway-workspace';

const VALID_RUNS = Number(process.env.ROBUSTNESS_VALID_RUNS ?? 12);
const INVALID_RUNS = Number(process.env.ROBUSTNESS_INVALID_RUNS ?? 300);
/** Whole renders in process (each infers three charts with switch samples): a few suffice for 4³ combinations' classes. */
const REPLICA_RUNS = Number(process.env.ROBUSTNESS_REPLICA_RUNS ?? 12);

// ---------- arbitraries ----------

const octet = fc.integer({ min: 0, max: 255 });
/** A valid IPv4 CIDR block (host bits zero). */
const cidr = fc.tuple(octet, octet, octet, octet, fc.integer({ min: 8, max: 32 })).map(([a, b, c, d, p]) => {
  const ip = (((a << 24) >>> 0) + (b << 16) + (c << 8) + d) >>> 0;
  const masked = p === 0 ? 0 : (ip & (~0 << (32 - p))) >>> 0;
  return `${masked >>> 24}.${(masked >>> 16) & 255}.${(masked >>> 8) & 255}.${masked & 255}/${p}`;
});
/** A private (RFC 1918) CIDR block. */
const privateCidr = fc
  .oneof(
    fc.tuple(fc.constant(10), octet, octet, fc.integer({ min: 16, max: 30 })),
    fc.tuple(fc.constant(192), fc.constant(168), octet, fc.integer({ min: 24, max: 30 })),
  )
  .map(([a, b, c, p]) => {
    const ip = (((a << 24) >>> 0) + (b << 16) + (c << 8)) >>> 0;
    const masked = (ip & (~0 << (32 - p))) >>> 0;
    return `${masked >>> 24}.${(masked >>> 16) & 255}.${(masked >>> 8) & 255}.${masked & 255}/${p}`;
  });
const cidrList = (c: fc.Arbitrary<string>) =>
  fc.uniqueArray(c, { minLength: 1, maxLength: 3 }).filter((l) => !l.includes('0.0.0.0/0'));

/** A pinned image tag: semver-like, numeric-looking, or any tag the schema allows (never `latest`). */
const tag = fc
  .oneof(
    fc.tuple(fc.nat(20), fc.nat(20), fc.nat(20)).map(([a, b, c]) => `v${a}.${b}.${c}`),
    fc.tuple(fc.nat(9), fc.nat(20)).map(([a, b]) => `${a}.${b}`),
    fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,15}$/),
  )
  .filter((t) => t !== 'latest');

// ---------- invalid values ----------

const badCidr = fc.oneof(
  fc.constantFrom(
    '10.0.0.0/33',
    '10.0.0.1/16',
    '256.1.1.0/24',
    '10.0.0/8',
    'office',
    '',
    '10.0.0.0',
    '::1/128',
    ' 10.0.0.0/8',
  ),
  fc
    .tuple(octet, octet, octet, fc.integer({ min: 1, max: 255 }), fc.integer({ min: 8, max: 24 }))
    .map(([a, b, c, d, p]) => `${a}.${b}.${c}.${d}/${p}`),
);
const badReplicas = fc.oneof(
  fc.integer({ min: -1000, max: -1 }),
  fc.double({ min: 0.01, max: 50, noInteger: true, noNaN: true }),
  fc.constantFrom('3', true, NaN, Infinity, -Infinity, ''),
);
const badTag = fc.oneof(
  fc.constantFrom('latest', '', '-v1', 'v1 beta', 'v1:2', '.hidden'),
  fc.string({ minLength: 129, maxLength: 140 }),
);
const badRepository = fc.constantFrom(
  'Registry.Example.com/App',
  'registry.example.com/app:v1',
  'a//b',
  '',
  'registry example/app',
  '/app',
  'app/',
);

/** The ConfigError of `fn`; any other exception (or none) fails the property. */
function rejectsWithConfigError(fn: () => unknown, mentions: readonly string[]): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  if (!(err instanceof ConfigError))
    throw new Error(
      `expected a ConfigError, got ${err === undefined ? 'nothing' : String((err as Error)?.stack ?? err)}`,
    );
  for (const m of mentions)
    if (!err.message.includes(m))
      throw new Error(`message does not mention ${JSON.stringify(m)}:\n${err.message}`);
}

function withEnv<V extends object>(
  def: SystemDefinition<any>,
  env: EnvironmentName,
  change: object,
): SystemDefinition<any> {
  return {
    ...def,
    build: def.build,
    environments: { ...def.environments, [env]: mergeValues(def.environments[env] as V, change) },
  };
}

// ---------- valid renders: parity + schemas ----------

const validators = new Map<string, Validator>();
function validatorFor(version: string): Validator {
  let v = validators.get(version);
  if (!v) validators.set(version, (v = createValidator({ kubernetesVersion: version, strict: true })));
  return v;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gitops-robustness-property-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Render a system, stage it, and check parity, schemas and values for every environment; returns problems. */
async function renderAndVerify(def: SystemDefinition<any>, run: number): Promise<string[]> {
  const r: SystemRender = renderSystem(def);
  const out = join(dir, `run-${run}`);
  const files = new Map<string, string>();
  for (const [p, c] of Object.entries(r.chart)) files.set(`charts/${def.name}/${p}`, c);
  for (const [p, c] of Object.entries(r.overlays)) files.set(`overlays/${def.name}/${p}`, c);
  stageFiles(out, files);
  const problems: string[] = [];
  try {
    const targets = parityTargets(r);
    const results = await Promise.all(targets.map((t) => checkParity(out, t, 'v35')));
    targets.forEach((t, i) => {
      for (const res of results[i]) {
        for (const p of res.problems) problems.push(`${t.environment} ${res.form}: parity: ${p}`);
        for (const v of validatorFor(t.kubeVersion).validateObjects(
          res.objects,
          `${t.environment} ${res.form}`,
        )) {
          if (v.status === 'statusInvalid' || v.status === 'statusError')
            problems.push(`${v.filename}: ${v.kind} ${v.name}: ${v.msg}`);
        }
      }
    });
    for (const v of validateChartValues(out, `charts/${def.name}`, [])) {
      if (v.status !== 'statusValid') problems.push(`${v.filename}: ${v.msg}`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return problems;
}

describe('every generated valid config renders to outputs that validate (parity through real helm/kustomize + strict schemas)', () => {
  it(`fixture system (${VALID_RUNS} runs)`, async () => {
    const base = fixtureSystem();
    const envChange = fc.record(
      {
        image: fc.record({ tag }, { requiredKeys: [] }),
        replicas: fc.integer({ min: 1, max: 6 }),
        autoscaling: fc.record(
          { enabled: fc.boolean(), maxReplicas: fc.integer({ min: 2, max: 10 }) },
          { requiredKeys: [] },
        ),
        pdb: fc.record({ enabled: fc.boolean() }),
        ingress: fc.record(
          { cidrs: cidrList(cidr), tls: fc.record({ enabled: fc.boolean() }) },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    );
    let run = 0;
    await fc.assert(
      // mini-corp (nginx) keeps tls off: the ssl-redirect annotation exists only with alb AND tls, a conjunction
      // the chart's template inference rejects by design (a TemplateInferenceError asking for one selecting value).
      fc.asyncProperty(fc.tuple(envChange, envChange, envChange), async ([dev, prod, miniCorpChange]) => {
        const miniCorp = mergeValues(miniCorpChange, { ingress: { tls: null } });
        const def = fixtureSystem({
          environments: {
            dev: mergeValues(base.environments.dev, dev),
            prod: mergeValues(base.environments.prod, prod),
            'mini-corp': mergeValues(base.environments['mini-corp'], miniCorp),
          },
        });
        const problems = await renderAndVerify(def, run++);
        expect(problems).toEqual([]);
      }),
      { numRuns: VALID_RUNS },
    );
  });

  it(`mini-xdr (${Math.max(4, Math.floor(VALID_RUNS / 2))} runs)`, async () => {
    const mx: SystemDefinition<any> = (await import(`${REPO_ROOT}/apps/mini-xdr/src/system.ts`)).default;
    const common = {
      backend: fc.record({ image: fc.record({ tag }) }, { requiredKeys: [] }),
      // 2+ frontend replicas everywhere: the platform's WebService adds a PodDisruptionBudget from 2 replicas,
      // a numeric threshold template inference cannot select on (see the threshold test below).
      frontend: fc.record(
        { image: fc.record({ tag }), replicas: fc.integer({ min: 2, max: 4 }) },
        { requiredKeys: [] },
      ),
      migration: fc.record({ enabled: fc.boolean() }),
    };
    const cloud = fc.record(
      { ...common, ingress: fc.record({ allowedCidrs: cidrList(cidr) }) },
      { requiredKeys: [] },
    );
    const onprem = fc.record(
      {
        ...common,
        ingress: fc.record({ allowedCidrs: cidrList(privateCidr) }),
        network: fc.record({ databaseCidr: privateCidr }),
      },
      { requiredKeys: [] },
    );
    let run = 100;
    await fc.assert(
      fc.asyncProperty(cloud, cloud, onprem, async (dev, prod, miniCorp) => {
        let def = withEnv(mx, 'dev', dev);
        def = withEnv(def, 'prod', prod);
        def = withEnv(def, 'mini-corp', miniCorp);
        const problems = await renderAndVerify(def, run++);
        expect(problems).toEqual([]);
      }),
      { numRuns: Math.max(4, Math.floor(VALID_RUNS / 2)) },
    );
  });
});

describe('valid values the chart cannot express are rejected clearly, never with a crash', () => {
  it(`mini-xdr: frontend replicas 1..4 per environment render, or fail with a TemplateInferenceError naming the object (${REPLICA_RUNS} runs, in-process)`, async () => {
    const mx: SystemDefinition<any> = (await import(`${REPO_ROOT}/apps/mini-xdr/src/system.ts`)).default;
    const replicas = fc.integer({ min: 1, max: 4 });
    fc.assert(
      fc.property(replicas, replicas, replicas, (dev, prod, miniCorp) => {
        let def = withEnv(mx, 'dev', { frontend: { replicas: dev } });
        def = withEnv(def, 'prod', { frontend: { replicas: prod } });
        def = withEnv(def, 'mini-corp', { frontend: { replicas: miniCorp } });
        try {
          renderSystem(def);
        } catch (err) {
          if (!(err instanceof TemplateInferenceError)) throw err;
          expect(err.message).toMatch(/^mini-xdr: \S+\/\S+ .*(exists in|no boolean or enum value)/);
          expect(err.message).toContain('add a value');
        }
      }),
      { numRuns: REPLICA_RUNS },
    );
  }, 300_000);
});

describe('a count crossing a threshold between environments', () => {
  it('mini-xdr: frontend replicas 1 / 3 / 2 (PodDisruptionBudget from two replicas on) render with parity', async () => {
    const mx: SystemDefinition<any> = (await import(`${REPO_ROOT}/apps/mini-xdr/src/system.ts`)).default;
    let def = withEnv(mx, 'dev', { frontend: { replicas: 1 } });
    def = withEnv(def, 'prod', { frontend: { replicas: 3 } });
    def = withEnv(def, 'mini-corp', { frontend: { replicas: 2 } });
    const r = renderSystem(def);
    expect(r.chart['templates/mini-xdr-frontend-poddisruptionbudget.yaml']).toMatch(
      /^\{\{- if gt \(int \.Values\.frontend\.replicas\) 1 \}\}$/m,
    );
    expect(await renderAndVerify(def, 950)).toEqual([]);
  });
});

describe('image tags that YAML 1.1 reads as numbers or booleans', () => {
  // Found by the property above: YAML 1.2 writes `0_1` and `on` as plain strings, but Helm reads them as
  // YAML 1.1 (a number, a boolean). The emitters quote every string any consumer could read otherwise
  // (libs/render/src/yaml-text.ts).
  for (const t of ['0_1', 'on', '0x1F', '1e3', 'yes']) {
    it(`tag "${t}" renders to outputs that pass parity`, async () => {
      const base = fixtureSystem();
      const def = fixtureSystem({
        environments: {
          ...base.environments,
          prod: mergeValues(base.environments.prod, { image: { tag: t } }),
        },
      });
      expect(isAmbiguousScalar(t)).toBe(true);
      expect(await renderAndVerify(def, 900)).toEqual([]);
    });
  }
});

describe('every generated invalid config is rejected with a ConfigError naming file, environment and field', () => {
  const env = fc.constantFrom(...ENVIRONMENT_NAMES);

  it(`fixture system: bad CIDRs, replicas, tags and repositories (${INVALID_RUNS} runs)`, () => {
    const base = fixtureSystem();
    const mutation = fc.oneof(
      badCidr.map((c) => ({ change: { ingress: { cidrs: ['10.0.0.0/8', c] } }, field: 'ingress.cidrs.1' })),
      badReplicas.map((n) => ({
        change: { replicas: n, autoscaling: { enabled: false } },
        field: 'replicas',
      })),
      badTag.map((t) => ({ change: { image: { tag: t } }, field: 'image.tag' })),
      fc
        .integer({ min: -5, max: 0 })
        .map((n) => ({ change: { autoscaling: { maxReplicas: n } }, field: 'autoscaling.maxReplicas' })),
    );
    fc.assert(
      fc.property(env, mutation, (e, m) => {
        rejectsWithConfigError(
          () => resolveValues(withEnv(base, e, m.change), e),
          ['apps/fixture/src/environments.ts', `"${e}"`, m.field],
        );
      }),
      { numRuns: INVALID_RUNS },
    );
  });

  it(`mini-xdr: bad CIDRs, replicas, tags and image references (${INVALID_RUNS} runs)`, async () => {
    const mx: SystemDefinition<any> = (await import(`${REPO_ROOT}/apps/mini-xdr/src/system.ts`)).default;
    const component = fc.constantFrom('backend', 'frontend');
    const mutation = fc.oneof(
      badCidr.map((c) => ({ change: { network: { vpcCidr: c } }, field: 'network.vpcCidr' })),
      badCidr.map((c) => ({ change: { ingress: { allowedCidrs: [c] } }, field: 'ingress.allowedCidrs.0' })),
      fc
        .tuple(component, badReplicas)
        .map(([c, n]) => ({ change: { [c]: { replicas: n } }, field: `${c}.replicas` })),
      fc
        .tuple(component, badTag)
        .map(([c, t]) => ({ change: { [c]: { image: { tag: t } } }, field: `${c}.image.tag` })),
      fc
        .tuple(component, badRepository)
        .map(([c, r]) => ({ change: { [c]: { image: { repository: r } } }, field: `${c}.image.repository` })),
    );
    fc.assert(
      fc.property(env, mutation, (e, m) => {
        rejectsWithConfigError(
          () => resolveValues(withEnv(mx, e, m.change), e),
          ['apps/mini-xdr/src/environments.ts', `"${e}"`, m.field],
        );
      }),
      { numRuns: INVALID_RUNS },
    );
  });

  it(`mini-xdr: any JSON value at any field either resolves or is a ConfigError — never a crash (${INVALID_RUNS} runs)`, async () => {
    const mx: SystemDefinition<any> = (await import(`${REPO_ROOT}/apps/mini-xdr/src/system.ts`)).default;
    const paths: string[][] = [];
    const walk = (v: unknown, p: string[]) => {
      paths.push(p);
      if (v && typeof v === 'object' && !Array.isArray(v))
        for (const [k, c] of Object.entries(v)) walk(c, [...p, k]);
    };
    walk(resolveValues(mx, 'prod'), []);
    const leafPaths = paths.filter((p) => p.length > 0);
    const at = (p: string[], v: unknown): object =>
      p.reduceRight<unknown>((acc, k) => ({ [k]: acc }), v) as object;
    fc.assert(
      fc.property(env, fc.constantFrom(...leafPaths), fc.jsonValue(), (e, p, v) => {
        try {
          resolveValues(withEnv(mx, e, at(p, v)), e);
        } catch (err) {
          if (!(err instanceof ConfigError))
            throw new Error(
              `${p.join('.')} = ${JSON.stringify(v)} in ${e}: ${String((err as Error)?.stack ?? err)}`,
            );
        }
      }),
      { numRuns: INVALID_RUNS },
    );
  });
});
