/**
 * A throw-away workspace for the fault suites: two tiny systems (zz-kust, zz-two) and the Argo CD objects,
 * rendered and committed — fast renders that exercise every code path of the output writer.
 */
import { expect } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { globSync } from 'tinyglobby';
import {
  installFixtureSystem,
  PLATFORM_WITHOUT_SYSTEMS,
  ScratchWorkspace,
  type RunResult,
} from './throwaway-workspace';

export const ENV_FILE = 'apps/zz-kust/src/environments.ts';
export const JOURNAL = '.render-journal.json';

/** sha256 of every file under charts/ and overlays/. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of globSync(['charts/**/*', 'overlays/**/*'], { cwd: dir, dot: true }).sort()) {
    out[f] = createHash('sha256')
      .update(readFileSync(join(dir, f)))
      .digest('hex');
  }
  return out;
}

export class FaultWorkspace {
  private constructor(
    readonly ws: ScratchWorkspace,
    /** Hashes of the committed outputs. */
    readonly committed: Record<string, string>,
  ) {}

  static async create(label: string): Promise<FaultWorkspace> {
    const ws = ScratchWorkspace.create(label, {
      include: PLATFORM_WITHOUT_SYSTEMS,
    });
    installFixtureSystem(ws);
    installFixtureSystem(ws, 'zz-two');
    const r = await ws.run('render', ['--skip-verify', '-q']);
    expect(r.code, r.stderr).toBe(0);
    ws.commitAll('rendered');
    const committed = snapshot(ws.dir);
    expect(Object.keys(committed).length).toBeGreaterThan(20);
    return new FaultWorkspace(ws, committed);
  }

  /** A change to the values that changes the rendered outputs of zz-kust. */
  changeValues(): void {
    this.ws.edit(ENV_FILE, "greeting: 'hello',", "greeting: 'changed by the test',");
  }

  /** Staging or trash folders left in tmp/. */
  leftovers(): string[] {
    const tmp = this.ws.path('tmp');
    return existsSync(tmp) ? readdirSync(tmp).filter((f) => /^render-(staging|trash|check)-/.test(f)) : [];
  }

  reset(): void {
    this.ws.reset();
  }
}

/** Killed by `signal` (tsx runs the CLI in a child node and exits with 128 + the signal number). */
export function expectKilledBy(r: RunResult, signal: 'SIGKILL' | 'SIGTERM'): void {
  const code = 128 + constants.signals[signal];
  expect(
    r.signal === signal || r.code === code,
    `expected death by ${signal}, got exit ${r.code} / ${r.signal}\n${r.stderr}`,
  ).toBe(true);
}
