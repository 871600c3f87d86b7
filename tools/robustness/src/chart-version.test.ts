/**
 * The chart version check (chart-testing's version-increment check) on a throw-away git repository:
 * a template, schema or defaults change without a version increase is named; a bump, a README or an
 * environment-file change, and a new chart pass.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chartVersionProblems, compareSemver, ConfigError } from '@gitops/render';

let repo: string;
const git = (...args: string[]) =>
  execFileSync('git', ['-C', repo, '-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
    stdio: 'ignore',
  });
const write = (p: string, text: string) => {
  mkdirSync(dirname(join(repo, p)), { recursive: true });
  writeFileSync(join(repo, p), text);
};
const chartYaml = (version: string) => `apiVersion: v2\nname: web\nversion: ${version}\n`;

beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), 'chart-version-'));
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  write('charts/web/Chart.yaml', chartYaml('0.1.0'));
  write('charts/web/values.yaml', 'replicas: 1\n');
  write('charts/web/values-prod.yaml', '{}\n');
  write('charts/web/values.schema.json', '{}\n');
  write('charts/web/README.md', '# web\n');
  write('charts/web/templates/deploy.yaml', 'kind: Deployment\n');
  git('add', '-A');
  git('commit', '-qm', 'base');
});
afterEach(() => rmSync(repo, { recursive: true, force: true }));

describe('chart version increment check', () => {
  it('names the chart when a template changed and the version did not increase', () => {
    write('charts/web/templates/deploy.yaml', 'kind: Deployment\nspec: {}\n');
    const problems = chartVersionProblems(repo, 'main');
    expect(problems.map((p) => p.chart)).toEqual(['web']);
    expect(problems[0].message).toContain(
      'templates/deploy.yaml changed since main but the chart version stayed 0.1.0',
    );
    expect(problems[0].message).toContain('apps/web/src/system.ts');
  });

  it('schema and defaults count; a lower version is named as such', () => {
    write('charts/web/values.yaml', 'replicas: 2\n');
    write('charts/web/values.schema.json', '{"type":"object"}\n');
    write('charts/web/Chart.yaml', chartYaml('0.0.9'));
    expect(chartVersionProblems(repo, 'main')[0].message).toMatch(
      /values\.schema\.json, values\.yaml changed .* went down to 0\.0\.9 \(was 0\.1\.0\)/,
    );
  });

  it('a bump passes; README and environment files alone need none; a new chart passes', () => {
    write('charts/web/README.md', '# web\nmore\n');
    write('charts/web/values-prod.yaml', 'replicas: 3\n');
    write('charts/api/Chart.yaml', chartYaml('0.1.0'));
    write('charts/api/templates/x.yaml', 'kind: Service\n');
    expect(chartVersionProblems(repo, 'main')).toEqual([]);
    write('charts/web/templates/deploy.yaml', 'kind: Deployment\nspec: {}\n');
    write('charts/web/Chart.yaml', chartYaml('0.1.1'));
    expect(chartVersionProblems(repo, 'main')).toEqual([]);
  });

  it('an unknown base is a clear error', () => {
    expect(() => chartVersionProblems(repo, 'no-such-branch')).toThrow(ConfigError);
  });

  it('compares semver like Helm (pre-releases first)', () => {
    expect(compareSemver('0.2.0', '0.1.9')).toBeGreaterThan(0);
    expect(compareSemver('0.10.0', '0.9.0')).toBeGreaterThan(0);
    expect(compareSemver('1.0.0-rc.1', '1.0.0')).toBeLessThan(0);
    expect(compareSemver('1.0.0', '1.0.0')).toBe(0);
  });
});
