import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WORKSPACE_ROOT } from '@gitops/render';
import { syncPlanExitCode } from './validate-sync-plan';

describe('npm run validate (workspace mode): the sync plan', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'validate-sync-plan-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const run = (argv: string[]) => {
    let out = '';
    let err = '';
    const code = syncPlanExitCode(argv, { stdout: (s) => void (out += s), stderr: (s) => void (err += s) });
    return { code, out, err };
  };

  it('passes on the committed outputs', () => {
    const r = run(['-system', 'mini-xdr', '-environment', 'dev', '-summary']);
    expect(r.err).toBe('');
    expect(r.out).toBe('Sync plan: 1 Applications, 0 problems\n');
    expect(r.code).toBe(0);
  });

  it('fails, naming Application, object, step and what is missing, when a project drops the namespace', () => {
    for (const d of ['charts/mini-xdr', 'overlays/argocd/dev'])
      cpSync(join(WORKSPACE_ROOT, d), join(tmp, d), { recursive: true });
    const file = join(tmp, 'overlays/argocd/dev/appprojects.yaml');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace(/\n {4}- group: ""\n {6}kind: Namespace\n {6}name: mini-xdr/, ''));
    const r = run(['-repo', tmp, '-system', 'mini-xdr', '-environment', 'dev']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      'sync plan: mini-xdr-dev: Namespace mini-xdr at Sync wave -5: AppProject mini-xdr does not permit core/Namespace named mini-xdr (clusterResourceWhitelist) [project]',
    );
  });

  it('leaves file mode alone', () => {
    expect(run(['charts/mini-xdr'])).toEqual({ code: 0, out: '', err: '' });
  });
});
