import { describe, expect, it } from 'vitest';
import { main } from './plan';

describe('npm run plan -- <system> <env>', () => {
  it('prints mini-xdr prod in the order Argo CD syncs it and exits 0', async () => {
    let out = '';
    const code = await main(['mini-xdr', 'prod'], (s) => void (out += s));
    expect(code).toBe(0);
    const rows = out
      .split('\n')
      .filter((l) => /^\d+\s/.test(l))
      .map((l) => l.split(/\s{2,}/));
    const at = (kind: string, name: string) =>
      rows.findIndex((r) => r[3].endsWith(kind) && r[4].endsWith(name));
    expect(out).toMatch(
      /^Argo CD sync plan of mini-xdr-prod \(helm template charts\/mini-xdr -f values-prod.yaml\)/,
    );
    expect(rows[0].slice(1, 5)).toEqual(['Sync', '-5', 'Namespace', 'mini-xdr']);
    expect(at('ExternalSecret', 'mini-xdr-database')).toBeLessThan(at('hook batch/Job', 'mini-xdr-migrate'));
    expect(at('hook batch/Job', 'mini-xdr-migrate')).toBeLessThan(at('apps/Deployment', 'mini-xdr-backend'));
    expect(at('PersistentVolumeClaim', 'mini-xdr-data')).toBeGreaterThan(
      at('hook batch/Job', 'mini-xdr-migrate'),
    );
    expect(rows.at(-1)![3]).toBe('networking.k8s.io/Ingress');
    expect(rows.at(-1)![5]).toMatch(/not awaited \(last step\)/);
    expect(out).toMatch(/Every object finds what it needs at its step/);
  });

  it('rejects an unknown environment or system with a clear message', async () => {
    await expect(main(['mini-xdr', 'staging'], () => {})).rejects.toThrow(/unknown environment "staging"/);
    await expect(main(['billing', 'prod'], () => {})).rejects.toThrow(
      /no Application for system "billing".*known: aegis-tickets, mini-xdr, ode/,
    );
    await expect(main(['mini-xdr'], () => {})).rejects.toThrow(/missing required argument/);
  });
});
