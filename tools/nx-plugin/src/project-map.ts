/**
 * `npm run project-map [-- --check]`: write `tools/nx-plugin/project-map.json`, the project file map the diff
 * preview uses instead of computing Nx's project graph (libs/diff/src/project-map.ts), from Nx's own graph
 * (`nx graph --file`). `--check` fails when the committed map differs from Nx's (CI runs the test of the
 * same). Regenerate after adding, removing or reconfiguring a project; a stale map is never used (its key no
 * longer matches), the preview then asks Nx and is only slower.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  PROJECT_MAP_FILE,
  projectMapKey,
  projectMapOfGraph,
  workspaceFiles,
  type ProjectMap,
} from '@gitops/diff';
import { runMain, UsageError } from '../../cli/src/errors';
import { nxCliScript, nxEnv, REAL_WORKSPACE, runNode } from './sandbox';

/** The map Nx computes for the workspace at `repoDir` now. */
export async function generateProjectMap(repoDir = REAL_WORKSPACE): Promise<ProjectMap> {
  const dir = mkdtempSync(join(tmpdir(), 'gitops-project-map-'));
  try {
    const file = join(dir, 'graph.json');
    // Asynchronous: a test runner's worker must not block for the seconds Nx takes.
    const r = await runNode([nxCliScript(repoDir), 'graph', `--file=${file}`], repoDir, nxEnv());
    if (r.code !== 0) throw new Error(`nx graph failed (${r.code}): ${r.stderr.trim().split('\n')[0] ?? ''}`);
    const key = projectMapKey(repoDir, await workspaceFiles(repoDir));
    const nxJson = JSON.parse(readFileSync(join(repoDir, 'nx.json'), 'utf8'));
    return projectMapOfGraph(JSON.parse(readFileSync(file, 'utf8')), nxJson, key);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const formatProjectMap = (m: ProjectMap) => `${JSON.stringify(m, null, 2)}\n`;

export async function main(argv: string[]): Promise<number> {
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length) throw new UsageError(`unknown argument ${unknown[0]} (usage: project-map [--check])`);
  const text = formatProjectMap(await generateProjectMap());
  const path = join(REAL_WORKSPACE, PROJECT_MAP_FILE);
  if (argv.includes('--check')) {
    let committed = '';
    try {
      committed = readFileSync(path, 'utf8');
    } catch {
      // missing: differs
    }
    if (committed !== text) {
      process.stderr.write(
        `error: ${PROJECT_MAP_FILE} differs from Nx's project graph: run npm run project-map\n`,
      );
      return 1;
    }
    process.stdout.write(`${PROJECT_MAP_FILE} matches Nx's project graph\n`);
    return 0;
  }
  writeFileSync(path, text);
  process.stdout.write(`wrote ${PROJECT_MAP_FILE}\n`);
  return 0;
}

if (require.main === module) runMain(() => main(process.argv.slice(2)));
