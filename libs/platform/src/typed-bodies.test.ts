/**
 * Manifest bodies are typed: the TypeScript compiler (the one `npm run typecheck` runs, through its API,
 * with the repository's tsconfig) rejects a misspelled or mistyped field in a construct body, for the
 * Kubernetes API classes and for the classes generated from the CRD schemas alike.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const PLATFORM_SRC = join(ROOT, 'libs/platform/src');

/** Type-check in-memory modules placed in libs/platform/src (one program); the diagnostics of each, as text. */
function compile(sources: Record<string, string>): Record<string, string[]> {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, 'tsconfig.base.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error('no tsconfig');
  const files = new Map(
    Object.entries(sources).map(([k, v]) => [join(PLATFORM_SRC, `__probe_${k}__.ts`), v]),
  );
  const host = ts.createCompilerHost(config.options);
  const read = host.readFile.bind(host);
  host.readFile = (f) => files.get(resolve(f)) ?? read(f);
  const exists = host.fileExists.bind(host);
  host.fileExists = (f) => files.has(resolve(f)) || exists(f);
  const program = ts.createProgram([...files.keys()], { ...config.options, noEmit: true }, host);
  return Object.fromEntries(
    Object.keys(sources).map((k) => [
      k,
      ts
        .getPreEmitDiagnostics(program, program.getSourceFile(join(PLATFORM_SRC, `__probe_${k}__.ts`)))
        .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')),
    ]),
  );
}

const HEADER = `
import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { kubeObject } from './core';
import * as monitoring from './imports/monitoring.coreos.com';
declare const chart: Chart;
`;

describe('typed manifest bodies', () => {
  it('a correct body compiles, a misspelled field or a wrong type is a compile error', () => {
    const ok = `${HEADER}
kubeObject(chart, 'D', k8s.KubeDeployment, { name: 'a', namespace: 'n' }, {
  spec: { replicas: 2, selector: { matchLabels: { a: 'b' } }, template: { spec: { containers: [{ name: 'c', image: 'i:1' }] } } },
});
kubeObject(chart, 'M', monitoring.ServiceMonitor, { name: 'a', namespace: 'n' }, {
  spec: { selector: { matchLabels: { a: 'b' } }, endpoints: [{ port: 'metrics', interval: '30s' }] },
});
`;
    const result = compile({
      ok,
      typo: ok.replace('replicas: 2', 'replicaz: 2'),
      wrongType: ok.replace('replicas: 2', "replicas: '2'"),
      crdTypo: ok.replace("interval: '30s'", "intervall: '30s'"),
    });
    expect(result.ok).toEqual([]);
    expect(result.typo).toEqual([
      expect.stringMatching(/'replicaz' does not exist in type 'DeploymentSpec'/),
    ]);
    expect(result.wrongType).toEqual([
      expect.stringMatching(/Type 'string' is not assignable to type 'number'/),
    ]);
    expect(result.crdTypo).toEqual([
      expect.stringMatching(/'intervall' does not exist in type 'ServiceMonitorSpecEndpoints'/),
    ]);
  }, 60_000);

  it('no construct builds a body as an untyped map', () => {
    const offenders: string[] = [];
    for (const f of readdirSync(PLATFORM_SRC).filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts'))) {
      readFileSync(join(PLATFORM_SRC, f), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/Record<string, unknown>|: unknown\[\]/.test(line))
            offenders.push(`${f}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });
});
