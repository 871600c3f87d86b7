import { describe, expect, it } from 'vitest';
import { ClusterSecretStore, ExternalSecret, find, IrsaServiceAccount, synth } from './index';

describe('ClusterSecretStore', () => {
  it('reads AWS Secrets Manager through an IRSA ServiceAccount; cluster-scoped, wave -4', () => {
    const s = find(
      synth(
        (c) =>
          void new ClusterSecretStore(c, 'S', {
            name: 'store',
            namespaces: ['app'],
            backend: {
              provider: 'aws-secrets-manager',
              region: 'eu-west-1',
              serviceAccount: { name: 'external-secrets', namespace: 'external-secrets' },
            },
          }),
      ),
      'ClusterSecretStore',
    );
    expect(s.apiVersion).toBe('external-secrets.io/v1');
    expect(s.metadata.namespace).toBeUndefined();
    expect(s.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-4');
    expect(s.spec.provider.aws).toEqual({
      service: 'SecretsManager',
      region: 'eu-west-1',
      auth: { jwt: { serviceAccountRef: { name: 'external-secrets', namespace: 'external-secrets' } } },
    });
  });
  it('reads Vault on premises', () => {
    const s = find(
      synth(
        (c) =>
          void new ClusterSecretStore(c, 'S', {
            name: 'store',
            namespaces: ['app'],
            backend: {
              provider: 'vault',
              server: 'https://vault.x.internal:8200',
              path: 'secret',
              role: 'r',
              serviceAccount: { name: 'eso', namespace: 'eso' },
            },
          }),
      ),
      'ClusterSecretStore',
    );
    expect(s.spec.provider.vault).toMatchObject({
      server: 'https://vault.x.internal:8200',
      path: 'secret',
      version: 'v2',
      auth: { kubernetes: { role: 'r', mountPath: 'kubernetes' } },
    });
  });
  it('serves only the namespaces it names (spec.conditions); refuses to serve none', () => {
    const s = find(
      synth(
        (c) =>
          void new ClusterSecretStore(c, 'S', {
            name: 'store',
            namespaces: ['shop'],
            backend: {
              provider: 'aws-secrets-manager',
              region: 'us-east-1',
              serviceAccount: { name: 'a', namespace: 'b' },
            },
          }),
      ),
      'ClusterSecretStore',
    );
    expect(s.spec.conditions).toEqual([{ namespaces: ['shop'] }]);
    expect(() =>
      synth(
        (c) =>
          void new ClusterSecretStore(c, 'S', {
            name: 'store',
            namespaces: [],
            backend: {
              provider: 'aws-secrets-manager',
              region: 'us-east-1',
              serviceAccount: { name: 'a', namespace: 'b' },
            },
          }),
      ),
    ).toThrow(/namespaces must name/);
  });

  it('rejects a bad region or an http Vault', () => {
    expect(() =>
      synth(
        (c) =>
          void new ClusterSecretStore(c, 'S', {
            name: 's',
            namespaces: ['app'],
            backend: {
              provider: 'aws-secrets-manager',
              region: 'Ireland',
              serviceAccount: { name: 'a', namespace: 'b' },
            },
          }),
      ),
    ).toThrow(/not an AWS region/);
    expect(() =>
      synth(
        (c) =>
          void new ClusterSecretStore(c, 'S', {
            name: 's',
            namespaces: ['app'],
            backend: {
              provider: 'vault',
              server: 'http://v',
              path: 'p',
              role: 'r',
              serviceAccount: { name: 'a', namespace: 'b' },
            },
          }),
      ),
    ).toThrow(/https/);
  });
});

describe('ExternalSecret', () => {
  it('maps remote properties to Secret keys at wave -3, and builds env vars', () => {
    let env: unknown;
    const objs = synth((c) => {
      const es = new ExternalSecret(c, 'E', {
        name: 'db',
        namespace: 'test',
        storeName: 'store',
        data: [{ secretKey: 'DATABASE_URL', remoteKey: 'app/db', property: 'url' }],
      });
      env = es.envVar('DATABASE_URL', 'DATABASE_URL');
      expect(() => es.envVar('X', 'NOPE')).toThrow(/has no key "NOPE"/);
    });
    const e = find(objs, 'ExternalSecret');
    expect(e.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-3');
    expect(e.spec).toMatchObject({
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'store' },
      target: { name: 'db', creationPolicy: 'Owner' },
      data: [{ secretKey: 'DATABASE_URL', remoteRef: { key: 'app/db', property: 'url' } }],
    });
    expect(env).toEqual({
      name: 'DATABASE_URL',
      valueFrom: { secretKeyRef: { name: 'db', key: 'DATABASE_URL' } },
    });
    expect(objs.some((o) => o.kind === 'Secret')).toBe(false);
  });
  it('needs data', () => {
    expect(() =>
      synth(
        (c) => void new ExternalSecret(c, 'E', { name: 'db', namespace: 'test', storeName: 's', data: [] }),
      ),
    ).toThrow(/at least one data mapping/);
  });
});

describe('IrsaServiceAccount', () => {
  it('annotates the role and mounts the token', () => {
    const sa = find(
      synth(
        (c) =>
          void new IrsaServiceAccount(c, 'I', {
            name: 'docs',
            namespace: 'test',
            roleArn: 'arn:aws:iam::116912495274:role/ode-docs',
          }),
      ),
      'ServiceAccount',
    );
    expect(sa.metadata.annotations['eks.amazonaws.com/role-arn']).toBe(
      'arn:aws:iam::116912495274:role/ode-docs',
    );
    expect(sa.automountServiceAccountToken).toBe(true);
  });
  it('rejects a malformed ARN', () => {
    expect(() =>
      synth(
        (c) => void new IrsaServiceAccount(c, 'I', { name: 'docs', namespace: 'test', roleArn: 'ode-docs' }),
      ),
    ).toThrow(/not an IAM role ARN/);
  });
});
