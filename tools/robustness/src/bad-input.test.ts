/**
 * Bad input, clear errors: every user mistake gives one message naming file/resource/field and what was
 * expected, a non-zero exit code, no stack trace, and leaves the committed outputs untouched.
 *
 * In-process cases call the library (resolveValues, synthesize, the validate/schemas CLIs' functions);
 * the exit-code/no-stack-trace contract is checked on the real CLIs, run as child processes in a
 * throw-away copy of the workspace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { ApiObject } from 'cdk8s';
import { parse, stringify } from 'yaml';
import { ConfigError, mergeValues, resolveValues, synthesize, type SystemDefinition } from '@gitops/render';
import { runSchemasCli, runValidateCli, validateChartValues } from '@gitops/validation';
import { expectOutputsUntouched, expectUserError } from './contract';
import { installFixtureSystem, REPO_ROOT, ScratchWorkspace } from './throwaway-workspace';
import zz from './fixtures/zz-kust/system';

let ws: ScratchWorkspace;

beforeAll(async () => {
  ws = ScratchWorkspace.create('bad-input');
  installFixtureSystem(ws);
  const r = await ws.run('render', ['--skip-verify', '-q']);
  expect(r.code, r.stderr).toBe(0);
  ws.commitAll('rendered');
});
afterAll(() => ws?.dispose());

/** The ConfigError a call throws (fails if it throws anything else, or nothing). */
function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err, String((err as Error)?.stack)).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

function variant(
  def: SystemDefinition<any>,
  change: { defaults?: object; environments?: Record<string, unknown> },
): SystemDefinition<any> {
  return {
    ...def,
    build: def.build,
    defaults: change.defaults ? mergeValues(def.defaults, change.defaults) : def.defaults,
    environments: { ...def.environments, ...(change.environments ?? {}) } as any,
  };
}

describe('invalid values are rejected by resolveValues with a ConfigError naming file, environment and field', () => {
  const F = 'apps/zz-kust/src/environments.ts';
  const cases: [string, Parameters<typeof variant>[1], string, (string | RegExp)[]][] = [
    [
      'invalid CIDR (prefix > 32)',
      { defaults: { allowedCidrs: ['10.0.0.0/33'] } },
      'defaults',
      ['allowedCidrs.0', 'expected an IPv4 CIDR block', '"10.0.0.0/33"'],
    ],
    [
      'CIDR with host bits set',
      { environments: { prod: { allowedCidrs: ['10.0.0.1/16'] } } },
      'prod',
      ['"prod"', 'allowedCidrs.0', 'host bits zero'],
    ],
    [
      'CIDR that is not an address',
      { environments: { dev: { allowedCidrs: ['office-network'] } } },
      'dev',
      ['allowedCidrs.0', 'IPv4 CIDR'],
    ],
    [
      'negative replica count',
      { environments: { prod: { replicas: -1 } } },
      'prod',
      ['replicas', 'must not be negative', '(got -1)'],
    ],
    [
      'non-integer replica count',
      { environments: { dev: { replicas: 1.5 } } },
      'dev',
      ['replicas', 'whole number', '(got 1.5)'],
    ],
    [
      'replica count as a string',
      { environments: { dev: { replicas: '3' } } },
      'dev',
      ['replicas', 'expected a number of replicas'],
    ],
    [
      '`latest` image tag',
      { environments: { prod: { image: { tag: 'latest' } } } },
      'prod',
      ['image.tag', '"latest" is not allowed'],
    ],
    [
      'empty image tag',
      { defaults: { image: { tag: '' } } },
      'defaults',
      ['image.tag', 'expected an image tag'],
    ],
    [
      'malformed image repository',
      { environments: { 'mini-corp': { image: { repository: 'Registry.Internal/Team App' } } } },
      'mini-corp',
      ['image.repository', 'expected an image repository'],
    ],
    [
      'tag inside the repository',
      { defaults: { image: { repository: 'registry.example.com/app:v1' } } },
      'defaults',
      ['image.repository'],
    ],
    ['unknown architecture', { defaults: { image: { platform: 'x86' } } }, 'defaults', ['image.platform']],
    [
      'unsupported Kubernetes version',
      { environments: { prod: { cluster: { kubernetesVersion: '1.20.0' } } } },
      'prod',
      ['cluster.kubernetesVersion', '1.28.x to 1.31.x'],
    ],
    [
      'namespace that is not a DNS label',
      { defaults: { namespace: 'Zz_Kust' } },
      'defaults',
      ['namespace', 'DNS-1123'],
    ],
    [
      'unknown field (typo)',
      { environments: { dev: { replica: 2 } } },
      'dev',
      [/replica/, /[Uu]nrecognized key/],
    ],
    [
      'unknown environment name',
      { environments: { staging: {} } },
      'dev',
      ['unknown environment "staging"', 'dev, prod, mini-corp'],
    ],
  ];
  for (const [title, change, env, mentions] of cases) {
    it(title, () => {
      const err = configErrorOf(() => resolveValues(variant(zz, change), env as any));
      expect(err.message).toContain(F);
      if (!title.startsWith('unknown environment'))
        expect(err.message).toContain(`invalid values for environment "${env}"`);
      for (const m of mentions) {
        if (typeof m === 'string') expect(err.message).toContain(m);
        else expect(err.message).toMatch(m);
      }
      expect(err.stack?.split('\n')[0]).toContain(F); // the first line alone says where
    });
  }

  it('a missing environment', () => {
    const { 'mini-corp': _drop, ...rest } = zz.environments;
    const err = configErrorOf(() => resolveValues({ ...zz, environments: rest as any }, 'dev'));
    expect(err.message).toContain('missing environment "mini-corp"');
  });

  it('duplicate resource names in one system', () => {
    // A second object of the same kind, namespace and name (under another construct id).
    const twice: SystemDefinition<any> = {
      ...zz,
      build(chart, v) {
        zz.build(chart, v);
        new ApiObject(chart, 'again', {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'zz-kust-settings' },
          data: {},
        });
      },
    };
    const err = configErrorOf(() => synthesize(twice, resolveValues(zz, 'prod')));
    expect(err.message).toContain('apps/zz-kust/src/system.ts');
    expect(err.message).toContain('two objects named v1/ConfigMap zz-kust/zz-kust-settings');
  });
});

describe('real systems: their own refinements name the field and the reason', () => {
  let mx: SystemDefinition<any>;
  beforeAll(async () => {
    mx = (await import(`${REPO_ROOT}/apps/mini-xdr/src/system.ts`)).default;
  });
  it('mini-xdr: a registry the environment does not allow', () => {
    const err = configErrorOf(() =>
      resolveValues(
        variant(mx, {
          environments: {
            prod: mergeValues(mx.environments.prod, {
              frontend: { image: { repository: 'docker.io/library/nginx' } },
            }),
          },
        }),
        'prod',
      ),
    );
    expect(err.message).toMatch(
      /apps\/mini-xdr\/src\/environments\.ts: invalid values for environment "prod"/,
    );
    expect(err.message).toContain('frontend.image.repository');
  });
  it('mini-xdr: `latest` in prod', () => {
    const err = configErrorOf(() =>
      resolveValues(
        variant(mx, {
          environments: {
            prod: mergeValues(mx.environments.prod, { backend: { image: { tag: 'latest' } } }),
          },
        }),
        'prod',
      ),
    );
    expect(err.message).toContain('backend.image.tag');
    expect(err.message).toContain('"latest" is not allowed');
  });
  it('mini-xdr: a public CIDR in the isolated mini-corp environment', () => {
    const env = mergeValues(mx.environments['mini-corp'], { ingress: { allowedCidrs: ['8.8.8.0/24'] } });
    const err = configErrorOf(() =>
      resolveValues(variant(mx, { environments: { 'mini-corp': env } }), 'mini-corp'),
    );
    expect(err.message).toContain('ingress.allowedCidrs.0');
    expect(err.message).toContain('RFC 1918');
  });
});

/** A render of one broken copy of the fixture system, as a child process. */
async function renderBroken(
  name: string,
  edit: (file: (f: string) => string) => void,
): Promise<Awaited<ReturnType<ScratchWorkspace['run']>>> {
  installFixtureSystem(ws, name);
  edit((f) => `apps/${name}/src/${f}`);
  try {
    return await ws.run('render', ['--system', name]);
  } finally {
    rmSync(ws.path(`apps/${name}`), { recursive: true, force: true });
  }
}

describe.concurrent(
  'render CLI (child process): exit 1, one message, no stack trace, outputs untouched',
  () => {
    const ENV = 'environments.ts';
    const cases: [string, string, (f: (x: string) => string) => void, (string | RegExp)[]][] = [
      [
        'invalid CIDR',
        'zz-case-cidr',
        (f) => ws.edit(f(ENV), "allowedCidrs: ['10.0.0.0/16']", "allowedCidrs: ['10.0.0.0/33']"),
        ['apps/zz-case-cidr/src/environments.ts', '"defaults"', 'allowedCidrs.0', 'IPv4 CIDR'],
      ],
      [
        'negative replicas',
        'zz-case-neg',
        (f) => ws.edit(f(ENV), 'replicas: 2,', 'replicas: -1,'),
        ['"prod"', 'replicas', 'must not be negative'],
      ],
      [
        'non-integer replicas',
        'zz-case-frac',
        (f) => ws.edit(f(ENV), 'replicas: 1,', 'replicas: 0.5,'),
        ['"defaults"', 'replicas', 'whole number'],
      ],
      [
        'unknown environment',
        'zz-case-env',
        (f) => ws.edit(f(ENV), '  dev: {},', '  dev: {},\n  staging: {},'),
        ['unknown environment "staging"'],
      ],
      [
        'malformed image reference',
        'zz-case-img',
        (f) => ws.edit(f(ENV), "'registry.mini-corp.internal/zz/zz-kust'", "'Registry.Mini-Corp/ZZ Kust'"),
        ['"mini-corp"', 'image.repository'],
      ],
      [
        '`latest` tag',
        'zz-case-latest',
        (f) => ws.edit(f(ENV), "tag: 'v1.0.0'", "tag: 'latest'"),
        ['image.tag', '"latest" is not allowed'],
      ],
      [
        'duplicate resource names',
        'zz-case-dup',
        (f) =>
          ws.edit(
            f('system.ts'),
            '  build(chart, v) {\n',
            "  build(chart, v) {\n    new ApiObject(chart, 'dup', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${SYSTEM_NAME}-settings` }, data: {} });\n",
          ),
        ['apps/zz-case-dup/src/system.ts', 'two objects named v1/ConfigMap zz-case-dup/zz-case-dup-settings'],
      ],
      [
        'system name differs from its folder',
        'zz-case-name',
        (f) => ws.edit(f('system.ts'), 'name: SYSTEM_NAME,', "name: 'zz-other',"),
        ['apps/zz-case-name/src/system.ts', 'must equal its folder name'],
      ],
      [
        'system file without a default export',
        'zz-case-export',
        (f) =>
          ws.edit(f('system.ts'), 'export default defineSystem', 'export const notDefault = defineSystem'),
        ['apps/zz-case-export/src/system.ts', 'defineSystem'],
      ],
      [
        'system file that does not compile',
        'zz-case-syntax',
        (f) => ws.write(f('system.ts'), `${ws.read(f('system.ts'))}\nexport const = ;\n`),
        ['apps/zz-case-syntax/src/system.ts:', 'does not compile'],
      ],
      [
        'rendered object that fails strict schema validation (verification before the swap)',
        'zz-case-verify',
        (f) => ws.edit(f('system.ts'), 'replicas: String(v.replicas),', 'replicas: v.replicas as any,'),
        [
          /charts\/zz-case-verify \(values-dev\.yaml\) - ConfigMap zz-case-verify\/zz-case-verify-settings.*replicas/,
          /overlays\/zz-case-verify\/prod - ConfigMap zz-case-verify\/zz-case-verify-settings.*replicas/,
          /problem\(s\) found; nothing was written/,
        ],
      ],
    ];
    for (const [title, name, edit, mentions] of cases) {
      it(title, async () => {
        const r = await renderBroken(name, edit);
        expectUserError(r, mentions);
        expectOutputsUntouched(ws);
      });
    }

    it('unknown flag', async () => {
      expectUserError(await ws.run('render', ['--bogus']), ["unknown option '--bogus'", '--help']);
      expectOutputsUntouched(ws);
    });
    it('unknown system name', async () => {
      expectUserError(await ws.run('render', ['--system', 'nope']), ['unknown system "nope"', 'zz-kust']);
    });

    it('diff: unknown flag', async () => {
      expectUserError(await ws.run('diff', ['--bogus']), ["unknown option '--bogus'"]);
    });
    it('diff: unknown git ref', async () => {
      expectUserError(await ws.run('diff', ['--base', 'no-such-ref']), ['unknown git ref "no-such-ref"']);
    });
    it('diff: unknown environment name', async () => {
      expectUserError(await ws.run('diff', ['--base', 'HEAD', '--env', 'staging']), [
        'unknown environment staging',
        'dev',
      ]);
    });

    it('validate: unknown flag', async () => {
      expectUserError(await ws.run('validate', ['-bogus']), ['flag provided but not defined: -bogus']);
    });
    it('validate: missing schema directory', async () => {
      expectUserError(
        await ws.run('validate', ['-schema-location', '/nonexistent/schemas', 'overlays/zz-kust/base']),
        ['/nonexistent/schemas', 'does not exist'],
      );
    });
    it('schemas: unknown flag', async () => {
      expectUserError(await ws.run('schemas', ['--bogus']), ['flag provided but not defined: -bogus']);
    });
  },
);

describe('a real system with a broken value (child process)', () => {
  it('mini-xdr environments.ts with a malformed CIDR: render fails naming the file and field, outputs untouched', async () => {
    const f = 'apps/mini-xdr/src/environments.ts';
    ws.write(
      f,
      `${ws.read(f)}\n(environments as any).prod = { ...(environments as any).prod, network: { vpcCidr: '10.0.0.0/8/8' } };\n`,
    );
    try {
      const r = await ws.run('render', ['--system', 'mini-xdr']);
      expectUserError(r, [f, '"prod"', 'network.vpcCidr', 'IPv4 CIDR', '"10.0.0.0/8/8"']);
      expectOutputsUntouched(ws);
    } finally {
      ws.reset();
    }
  });
});

describe('render CLI flags (in-process main): usage errors are user errors', () => {
  const cases: [string, string[], string][] = [
    ['unknown toolchain', ['--toolchain', 'v1'], '--toolchain must be one of v28, v35'],
    ['flag without its argument', ['--system'], "option '--system <names...>' argument missing"],
    ['unknown flag', ['--chek'], "unknown option '--chek'"],
    ['excess argument', ['mini-xdr'], 'too many arguments'],
  ];
  for (const [title, argv, message] of cases) {
    it(title, async () => {
      const { main } = await import('../../cli/src/render');
      const { isUserError } = await import('../../cli/src/errors');
      const err = await main(argv).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isUserError(err), String((err as Error)?.stack)).toBe(true);
      expect((err as Error).message).toContain(message);
    });
  }
});

/** The validate CLI in-process: exit code and everything it printed. */
function validate(args: string[]): { code: number; out: string } {
  let out = '';
  const io = { stdout: (s: string) => void (out += s), stderr: (s: string) => void (out += s), cwd: ws.dir };
  const code = runValidateCli(['-repo', ws.dir, ...args], io);
  expect(out).not.toMatch(/^\s{4}at /m);
  return { code, out };
}

describe('hand-edited outputs and files: validate / render --check name the file and what is wrong', () => {
  it('a values file that violates values.schema.json', () => {
    try {
      const f = 'charts/mini-xdr/values-prod.yaml';
      const values = parse(ws.read(f)) ?? {};
      values.ingress = { ...values.ingress, host: 'Not A Host!' };
      ws.write(f, stringify(values));
      const { code, out } = validate(['-system', 'mini-xdr', '-environment', 'prod']);
      expect(code).toBe(1);
      expect(out).toContain('charts/mini-xdr (values-prod.yaml)');
      expect(out).toContain("values don't meet the specifications of the schema");
      // The field is named by the values check (the workspace CLI shows only helm's first line; see docs/troubleshooting.md).
      const [result] = validateChartValues(ws.dir, 'charts/mini-xdr', ['values-prod.yaml']);
      expect(result.status).toBe('statusInvalid');
      expect(result.filename).toBe('charts/mini-xdr/values-prod.yaml');
      expect(result.msg).toMatch(/'\/ingress\/host' does not validate with values\.schema\.json/);
    } finally {
      ws.reset();
    }
  });

  it('an overlay with broken YAML', () => {
    try {
      ws.write('overlays/zz-kust/dev/kustomization.yaml', 'resources:\n  - ../base\n patches: [unclosed\n');
      const { code, out } = validate(['-system', 'zz-kust', '-environment', 'dev']);
      expect(code).toBe(1);
      expect(out).toContain('overlays/zz-kust/dev');
      expect(out).toMatch(/rendering failed: .*(yaml|YAML|kustomization)/);
    } finally {
      ws.reset();
    }
  });

  it('an overlay patch that targets nothing (strategic merge): kustomize fails and validate names the overlay and the target', () => {
    try {
      const k = 'overlays/zz-kust/prod/kustomization.yaml';
      ws.write(k, ws.read(k).replace('patches:\n', 'patches:\n  - path: nothing.yaml\n'));
      ws.write(
        'overlays/zz-kust/prod/nothing.yaml',
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: does-not-exist\ndata:\n  a: b\n',
      );
      const { code, out } = validate(['-system', 'zz-kust', '-environment', 'prod']);
      expect(code).toBe(1);
      expect(out).toContain('overlays/zz-kust/prod');
      expect(out).toMatch(/no resource matches strategic merge patch .*does-not-exist/);
    } finally {
      ws.reset();
    }
  });

  it('an overlay patch whose target selector matches nothing (kustomize ignores it) and a stale file: render --check names both', async () => {
    try {
      const k = 'overlays/zz-kust/prod/kustomization.yaml';
      ws.write(
        k,
        ws
          .read(k)
          .replace(
            'patches:\n',
            'patches:\n  - target: {kind: ConfigMap, name: does-not-exist}\n    patch: \'[{"op": "replace", "path": "/data/a", "value": "b"}]\'\n',
          ),
      );
      ws.write('overlays/zz-kust/dev/leftover.yaml', 'a: b\n');
      const r = await ws.run('render', ['--check', '--skip-verify']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`differs: ${k}`);
      expect(r.stderr).toContain('stale: overlays/zz-kust/dev/leftover.yaml');
      expect(r.stderr).toContain('run npm run render and commit');
      expect(`${r.stdout}${r.stderr}`).not.toMatch(/^\s{4}at /m);
    } finally {
      ws.reset();
    }
  });

  it('a manifest file with broken YAML (file mode)', () => {
    ws.write('broken.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n');
    try {
      const { code, out } = validate(['broken.yaml']);
      expect(code).toBe(1);
      expect(out).toContain('broken.yaml');
      expect(out).toMatch(/error|failed/i);
    } finally {
      ws.reset();
    }
  });

  it('a file that does not exist', () => {
    const { code, out } = validate(['nope.yaml']);
    expect(code).toBe(1);
    expect(out).toContain('nope.yaml');
    expect(out).toContain('no such file or directory');
  });

  it('an unknown environment for the policies', () => {
    const { code, out } = validate(['-environment', 'staging', 'overlays/zz-kust/base']);
    expect(code).toBe(1);
    expect(out).toContain('-environment staging: unknown environment');
  });

  it('an unknown output format', () => {
    const { code, out } = validate(['-output', 'xml']);
    expect(code).toBe(1);
    expect(out).toContain("'outputFormat' must be 'json', 'junit', 'pretty', 'tap' or 'text'");
  });

  it('schemas: unexpected argument', () => {
    let out = '';
    const code = runSchemasCli(['extra'], { stdout: (s) => void (out += s), stderr: (s) => void (out += s) });
    expect(code).toBe(1);
    expect(out).toContain('unexpected argument extra');
  });

  it('schemas: missing source directory', () => {
    let out = '';
    const code = runSchemasCli(['-source', '/nonexistent/schema-src'], {
      stdout: (s) => void (out += s),
      stderr: (s) => void (out += s),
    });
    expect(code).toBe(1);
    expect(out).toContain('/nonexistent/schema-src does not exist');
  });

  it('validate: a flag without its value', () => {
    const { code, out } = validate(['-output']);
    expect(code).toBe(1);
    expect(out).toContain('flag needs an argument: -output');
  });
});
