/** Credentials from the Docker config: auths, credential helpers (a real helper program on PATH), ECR via the AWS environment. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { credentialsFor, fetchEcrToken } from './credentials';

const dir = mkdtempSync(join(tmpdir(), 'gitops-creds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function config(name: string, content: unknown): string {
  const d = join(dir, name);
  mkdirSync(d);
  writeFileSync(join(d, 'config.json'), JSON.stringify(content));
  return d;
}

describe('credentials', () => {
  it('auths: keyed by host or URL (Docker Hub as https://index.docker.io/v1/)', async () => {
    const d = config('auths', {
      auths: {
        'https://index.docker.io/v1/': { auth: Buffer.from('hubuser:hubpass').toString('base64') },
        'https://registry.example.com': { username: 'u', password: 'p' },
      },
    });
    const env = { DOCKER_CONFIG: d };
    expect(await credentialsFor('docker.io', { env })).toMatchObject({
      username: 'hubuser',
      password: 'hubpass',
    });
    expect(await credentialsFor('registry.example.com', { env })).toMatchObject({
      username: 'u',
      password: 'p',
    });
    expect(await credentialsFor('other.example.com', { env })).toBeUndefined();
  });

  it('credHelpers: runs docker-credential-<helper> get with the registry on stdin', async () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const helper = join(bin, 'docker-credential-testhelper');
    writeFileSync(
      helper,
      '#!/bin/sh\nread host\nprintf \'{"ServerURL":"%s","Username":"AWS","Secret":"token-for-%s"}\' "$host" "$host"\n',
    );
    chmodSync(helper, 0o755);
    const d = config('helpers', {
      credHelpers: { 'reg.example.com': 'testhelper' },
      auths: { 'reg.example.com': { auth: Buffer.from('no:no').toString('base64') } },
    });
    const env = { DOCKER_CONFIG: d, PATH: `${bin}:${process.env.PATH}` };
    expect(await credentialsFor('reg.example.com', { env })).toEqual({
      username: 'AWS',
      password: 'token-for-reg.example.com',
      source: 'docker-credential-testhelper',
    });
  });

  it('a helper that is not installed is a clear error', async () => {
    const d = config('nohelper', { credHelpers: { 'reg.example.com': 'ecr-login-missing' } });
    await expect(
      credentialsFor('reg.example.com', { env: { DOCKER_CONFIG: d, PATH: '/nonexistent' } }),
    ).rejects.toThrow(
      'the Docker config names the credential helper "ecr-login-missing" for reg.example.com, but docker-credential-ecr-login-missing is not installed',
    );
  });

  it('ECR: without a Docker config entry, the AWS environment is asked for a token (none configured: anonymous)', async () => {
    const d = config('ecr', {});
    const asked: string[] = [];
    const creds = await credentialsFor('116912495274.dkr.ecr.eu-west-1.amazonaws.com', {
      env: { DOCKER_CONFIG: d },
      ecrToken: async (registry, region) => {
        asked.push(`${registry} ${region}`);
        return { username: 'AWS', password: 't', source: 'ecr' };
      },
    });
    expect(asked).toEqual(['116912495274.dkr.ecr.eu-west-1.amazonaws.com eu-west-1']);
    expect(creds?.username).toBe('AWS');
    expect(
      await fetchEcrToken('116912495274.dkr.ecr.eu-west-1.amazonaws.com', 'eu-west-1', {}),
    ).toBeUndefined();
  });

  it('a broken Docker config names the file', async () => {
    const d = join(dir, 'broken');
    mkdirSync(d);
    writeFileSync(join(d, 'config.json'), '{not json');
    await expect(credentialsFor('x.example.com', { env: { DOCKER_CONFIG: d } })).rejects.toThrow(
      `${join(d, 'config.json')}: not a readable Docker config`,
    );
  });
});
