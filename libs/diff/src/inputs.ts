import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { parse } from 'yaml';
import type { ArgoRenderSource } from '@gitops/toolchain';

/** The repository files one render reads: every file under `dirs`, except `ignore`. */
export interface RenderInputs {
  readonly dirs: readonly string[];
  /** Files under `dirs` that do not affect this render (other environments' value files). */
  readonly ignoreFile?: (file: string) => boolean;
}

/** Whether any changed file can affect a render with these inputs. */
export function inputsChanged(inputs: RenderInputs, changedFiles: readonly string[]): boolean {
  return changedFiles.some(
    (f) => inputs.dirs.some((d) => d === '.' || f.startsWith(`${d}/`)) && !inputs.ignoreFile?.(f),
  );
}

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

function inside(rel: string): boolean {
  return rel !== '..' && !rel.startsWith('../') && !rel.startsWith('/');
}

/** Every string in a parsed YAML value. */
function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) strings(x, out);
  return out;
}

/**
 * The folders (repository-relative) a render reads, or undefined when that cannot be known
 * (remote bases, value files or chart dependencies outside the chart): then the source is always rendered.
 * Helm: the chart folder, except other environments' `values-*.yaml` (templates are assumed not to read value
 * files through `.Files`). Kustomize: the overlay folder and, recursively, every local folder its kustomization
 * names; a referenced file outside adds its folder.
 */
export function renderInputs(treeDir: string, s: ArgoRenderSource): RenderInputs | undefined {
  if (s.form === 'helm') {
    if ((s.valueFiles ?? []).some((f) => f.startsWith('/') || normalize(f).startsWith('..')))
      return undefined;
    const chartYaml = join(treeDir, s.path, 'Chart.yaml');
    if (existsSync(chartYaml) && /file:\/\//.test(readFileSync(chartYaml, 'utf8'))) return undefined;
    const chart = normalize(s.path);
    const used = new Set(['values.yaml', ...(s.valueFiles ?? []).map((f) => normalize(f))]);
    return {
      dirs: [chart],
      ignoreFile: (f) =>
        dirname(f) === chart &&
        /^values.*\.ya?ml$/.test(f.slice(chart.length + 1)) &&
        !used.has(f.slice(chart.length + 1)),
    };
  }
  const dirs = new Set<string>();
  const visit = (dir: string): boolean => {
    if (dirs.has(dir)) return true;
    const rel = relative('.', dir);
    if (!inside(rel)) return false;
    dirs.add(dir);
    const file = KUSTOMIZATION_FILES.map((f) => join(treeDir, dir, f)).find(existsSync);
    if (!file) return true; // a plain resource folder
    let doc: unknown;
    try {
      doc = parse(readFileSync(file, 'utf8'));
    } catch {
      return false;
    }
    for (const str of strings(doc)) {
      if (/:\/\/|^github\.com\/|^git@|\?ref=/.test(str)) return false;
      if (!/[/.]/.test(str) || /\s/.test(str)) continue; // not a path
      const target = normalize(join(dir, str));
      const abs = join(treeDir, target);
      if (!existsSync(abs)) continue; // a value that only looks like a path (names, versions)
      if (statSync(abs).isDirectory()) {
        if (!visit(target)) return false;
      } else if (!inside(relative(dir, target))) dirs.add(dirname(target));
    }
    return true;
  };
  if (!visit(normalize(s.path))) return undefined;
  return { dirs: [...dirs] };
}
