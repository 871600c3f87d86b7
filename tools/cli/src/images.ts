/**
 * `npm run images -- <command>`: the images each environment deploys, resolved against their
 * registries and recorded in `apps/<system>/images.lock.yaml`.
 *
 *   npm run images -- status                      what is locked, what is unresolved (offline)
 *   npm run images -- resolve                     ask the registries; write the locks (all or nothing)
 *   npm run images -- resolve --system mini-xdr --env dev --tag v1.2.0   release a new tag to dev
 *   npm run images -- verify                      the CI gate: every image resolved, and the registries
 *                                                 still serve the locked digests (writes nothing)
 *
 * Credentials come from the Docker config (auths, credHelpers, credsStore) and, for ECR, the AWS_*
 * environment; never from the repository.
 */
import { join, relative, resolve as resolvePath } from 'node:path';
import { Command } from 'commander';
import { ENVIRONMENT_NAMES, isEnvironmentName, type EnvironmentName } from '@gitops/environments';
import {
  credentialsFor,
  CredentialsError,
  dockerConfigPath,
  ImageRefusal,
  lockProblems,
  parseRepository,
  RegistryClient,
  RegistryError,
  resolveImage,
  writeLock,
  type ImageLock,
  type ImageResolution,
  type LockedImage,
  type RegistryCredentials,
} from '@gitops/images';
import {
  imageLockFiles,
  imageSources,
  loadSystems,
  readImageLock,
  resolveValues,
  synthesize,
  WORKSPACE_ROOT,
  type LoadedSystem,
} from '@gitops/render';
import { parseCommandLine, runMain, UsageError } from './errors';

type Out = (s: string) => void;

/** Containers (`Kind name/container`) per repository, from a synthesis of the environment's values. */
export function containersByRepository(system: LoadedSystem, env: EnvironmentName): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const objects = synthesize(system.definition, resolveValues(system.definition, env));
  const visit = (node: unknown, owner: string) => {
    if (Array.isArray(node)) return node.forEach((n) => visit(n, owner));
    if (typeof node !== 'object' || node === null) return;
    for (const [k, v] of Object.entries(node)) {
      if ((k === 'containers' || k === 'initContainers') && Array.isArray(v)) {
        for (const c of v as { name?: string; image?: string }[]) {
          if (typeof c.image !== 'string') continue;
          const repo = c.image.replace(/@.*$/, '').replace(/:[^:/]+$/, '');
          out.set(repo, [...(out.get(repo) ?? []), `${owner}/${c.name}`]);
        }
      } else visit(v, owner);
    }
  };
  for (const o of objects) visit(o, `${o.kind} ${o.metadata?.name}`);
  return out;
}

interface Options {
  system?: string[];
  env?: string[];
  tag?: string;
  recordUnresolved?: boolean;
  acceptMovedTags?: boolean;
  timeout?: string;
  json?: boolean;
}

function envsOf(o: Options): EnvironmentName[] {
  for (const e of o.env ?? []) {
    if (!isEnvironmentName(e))
      throw new UsageError(`unknown environment "${e}" (known: ${ENVIRONMENT_NAMES.join(', ')})`);
  }
  return o.env?.length ? (o.env as EnvironmentName[]) : [...ENVIRONMENT_NAMES];
}

/** Credentials must not come from the repository: a Docker config inside the workspace is refused. */
function checkCredentialSource(ws: string): void {
  const path = resolvePath(dockerConfigPath());
  const rel = relative(resolvePath(ws), path);
  if (!rel.startsWith('..') && !rel.startsWith('/')) {
    throw new UsageError(
      `DOCKER_CONFIG points into the repository (${rel}): registry credentials must never be stored in the repository`,
    );
  }
}

/** Ask registries, one client per repository, one answer per repository:tag:arch. */
class Resolver {
  private readonly creds = new Map<string, Promise<RegistryCredentials | undefined>>();
  private readonly clients = new Map<string, RegistryClient>();
  private readonly answers = new Map<string, Promise<ImageResolution>>();
  constructor(private readonly timeoutMs: number) {}

  client(repository: string): Promise<RegistryClient> {
    const repo = parseRepository(repository);
    const hit = this.clients.get(repository);
    if (hit) return Promise.resolve(hit);
    if (!this.creds.has(repo.registry)) this.creds.set(repo.registry, credentialsFor(repo.registry));
    return this.creds.get(repo.registry)!.then((c) => {
      const client =
        this.clients.get(repository) ?? new RegistryClient(repo, c, { timeoutMs: this.timeoutMs });
      this.clients.set(repository, client);
      return client;
    });
  }

  resolve(t: Parameters<typeof resolveImage>[0]): Promise<ImageResolution> {
    const key = `${t.repository}:${t.tag}:${t.nodeArch}:${t.recordedDigest ?? ''}`;
    let p = this.answers.get(key);
    if (!p) {
      p = this.client(t.repository).then((c) => resolveImage(t, c));
      this.answers.set(key, p);
    }
    // Messages name this target (system, environment, containers), not the first one that asked.
    return p.catch((err) => {
      throw err instanceof ImageRefusal ? new ImageRefusal(t, err.reason) : err;
    });
  }
}

interface Row {
  system: string;
  env: EnvironmentName;
  path: string;
  /** The repository the sources deploy. */
  repository: string;
  /** The tag the environment deploys: the lock's, else the sources' (what resolve asks for). */
  tag: string;
  entry?: LockedImage;
  containers: string[];
}

function fmtSize(n?: number): string {
  if (n === undefined) return '';
  return n >= 1 << 20
    ? `${(n / (1 << 20)).toFixed(1)} MiB`
    : n >= 1024
      ? `${(n / 1024).toFixed(1)} KiB`
      : `${n} B`;
}

function describe(e: LockedImage): string {
  return e.digest
    ? `${e.repository}:${e.tag}@${e.digest} (${(e.platforms ?? []).join(', ')}; ${fmtSize(e.size)})`
    : `${e.repository}:${e.tag} UNRESOLVED (${e.unresolved})`;
}

async function rowsOf(systems: LoadedSystem[], envs: EnvironmentName[], ws: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const s of systems) {
    const lock = readImageLock(s.definition, s.root, ws);
    const sources = imageSources(s.definition);
    for (const env of envs) {
      const containers = containersByRepository(s, env);
      for (const img of sources[env].images) {
        const entry = lock?.environments[env]?.[img.path];
        rows.push({
          system: s.definition.name,
          env,
          path: img.path,
          repository: img.repository,
          tag: entry?.tag ?? img.tag,
          entry,
          containers: containers.get(img.repository) ?? [],
        });
      }
    }
  }
  return rows;
}

async function status(o: Options, out: Out, ws: string): Promise<number> {
  const systems = await loadSystems(o.system, ws, { images: 'sources' });
  const rows = await rowsOf(systems, envsOf(o), ws);
  if (o.json) {
    out(JSON.stringify(rows, null, 2));
    return 0;
  }
  let unresolved = 0;
  for (const r of rows) {
    const state = r.entry ? describe(r.entry) : `not in ${imageLockFiles(`apps/${r.system}`).lock}`;
    if (!r.entry?.digest) unresolved++;
    out(`${r.system}  ${r.env}  ${r.path}  ${state}`);
  }
  out(`${rows.length - unresolved} resolved, ${unresolved} unresolved`);
  return 0;
}

async function resolveCmd(o: Options, out: Out, err: Out, ws: string): Promise<number> {
  const envs = envsOf(o);
  if (o.tag !== undefined && (!o.system || o.system.length !== 1 || !o.env || o.env.length !== 1)) {
    throw new UsageError(
      '--tag releases one system to one environment: give --system <name> and --env <env>',
    );
  }
  checkCredentialSource(ws);
  const systems = await loadSystems(o.system, ws, { images: 'sources' });
  const resolver = new Resolver(Number(o.timeout ?? 30_000));
  const refusals: string[] = [];
  const failures: string[] = [];
  const locks: { file: string; lock: ImageLock }[] = [];
  const lines: string[] = [];
  for (const s of systems) {
    const name = s.definition.name;
    const old = readImageLock(s.definition, s.root, ws);
    const sources = imageSources(s.definition);
    const environments: Record<string, Record<string, LockedImage>> = {};
    for (const env of ENVIRONMENT_NAMES) {
      environments[env] = {};
      const containers = envs.includes(env) ? containersByRepository(s, env) : new Map<string, string[]>();
      await Promise.all(
        sources[env].images.map(async (img) => {
          const prev = old?.environments[env]?.[img.path];
          const sameRepo = prev?.repository === img.repository;
          const tag =
            envs.includes(env) && o.tag !== undefined
              ? o.tag
              : sameRepo && prev
                ? prev.tag
                : (prev?.tag ?? img.tag);
          if (!envs.includes(env)) {
            environments[env][img.path] =
              prev && sameRepo ? prev : { repository: img.repository, tag, unresolved: 'not resolved yet' };
            return;
          }
          const recorded =
            prev && sameRepo && prev.tag === tag && !o.acceptMovedTags ? prev.digest : undefined;
          const target = {
            system: name,
            env,
            path: img.path,
            containers: containers.get(img.repository) ?? [],
            repository: img.repository,
            tag,
            nodeArch: sources[env].nodeArch,
            ...(recorded ? { recordedDigest: recorded } : {}),
          };
          try {
            const r = await resolver.resolve(target);
            environments[env][img.path] = {
              repository: img.repository,
              tag,
              digest: r.digest,
              platforms: r.platforms,
              size: r.size,
            };
            lines.push(`${name}  ${env}  ${img.path}  ${describe(environments[env][img.path])}`);
          } catch (e) {
            if (e instanceof ImageRefusal) refusals.push(e.message);
            else if (e instanceof RegistryError || e instanceof CredentialsError) {
              const msg = `${name} (${env}), ${img.path} ${img.repository}:${tag}: ${e.message}`;
              if (o.recordUnresolved && !(e instanceof RegistryError && e.failure === 'protocol')) {
                environments[env][img.path] = { repository: img.repository, tag, unresolved: e.message };
                lines.push(`${name}  ${env}  ${img.path}  ${describe(environments[env][img.path])}`);
              } else failures.push(msg);
            } else throw e;
          }
        }),
      );
    }
    locks.push({ file: join(ws, s.root, 'images.lock.yaml'), lock: { system: name, environments } });
  }
  if (refusals.length || failures.length) {
    for (const r of [...refusals, ...failures]) err(`refused: ${r}`);
    err(
      `${refusals.length + failures.length} image(s) could not be locked; nothing was written` +
        (failures.length && !o.recordUnresolved
          ? ' (--record-unresolved records unreachable registries as unresolved)'
          : ''),
    );
    return 1;
  }
  for (const l of lines.sort()) out(l);
  for (const l of locks) writeLock(l.file, l.lock);
  out(
    `wrote ${locks.map((l) => relative(ws, l.file)).join(', ')}; run npm run render to update charts/ and overlays/`,
  );
  return 0;
}

async function verify(o: Options, out: Out, err: Out, ws: string): Promise<number> {
  checkCredentialSource(ws);
  const envs = envsOf(o);
  const systems = await loadSystems(o.system, ws, { images: 'sources' });
  const rows = await rowsOf(systems, envs, ws);
  const resolver = new Resolver(Number(o.timeout ?? 30_000));
  const sourcesBySystem = new Map(systems.map((s) => [s.definition.name, imageSources(s.definition)]));
  const problems: string[] = [];
  // The lock must describe what the sources deploy before its digests mean anything.
  for (const s of systems) {
    const lock = readImageLock(s.definition, s.root, ws);
    if (lock)
      problems.push(...lockProblems(lock, sourcesBySystem.get(s.definition.name)!, imageLockFiles(s.root)));
  }
  await Promise.all(
    rows.map(async (r) => {
      const where = `${r.system} (${r.env}), ${r.containers.length ? `container ${r.containers.join(', ')}` : 'no container'}, ${r.path}`;
      if (!r.entry) return void problems.push(`${where}: not in apps/${r.system}/images.lock.yaml`);
      if (!r.entry.digest)
        return void problems.push(
          `${where} ${r.entry.repository}:${r.entry.tag}: unresolved (${r.entry.unresolved})`,
        );
      try {
        await resolver.resolve({
          system: r.system,
          env: r.env,
          path: r.path,
          containers: r.containers,
          repository: r.entry.repository,
          tag: r.entry.tag,
          nodeArch: sourcesBySystem.get(r.system)![r.env].nodeArch,
          recordedDigest: r.entry.digest,
        });
        out(`ok  ${r.system}  ${r.env}  ${r.path}  ${r.entry.repository}:${r.entry.tag}@${r.entry.digest}`);
      } catch (e) {
        if (e instanceof ImageRefusal) problems.push(e.message);
        else if (e instanceof RegistryError || e instanceof CredentialsError)
          problems.push(`${where} ${r.entry.repository}:${r.entry.tag}: ${e.message}`);
        else throw e;
      }
    }),
  );
  if (problems.length) {
    for (const p of problems.sort()) err(`not verified: ${p}`);
    err(`${problems.length} of ${rows.length} image(s) not verified against their registries`);
    return 1;
  }
  out(
    `verified ${rows.length} image(s): every environment deploys the digest its registry serves for its platform`,
  );
  return 0;
}

export async function main(
  argv: string[],
  io: { out?: Out; err?: Out; workspaceRoot?: string } = {},
): Promise<number> {
  const out: Out = io.out ?? ((s) => process.stdout.write(`${s}\n`));
  const err: Out = io.err ?? ((s) => process.stderr.write(`${s}\n`));
  const ws = io.workspaceRoot ?? WORKSPACE_ROOT;
  let code = 0;
  const common = (c: Command) =>
    c
      .option('--system <names...>', 'only these systems')
      .option('--env <envs...>', `only these environments (${ENVIRONMENT_NAMES.join(', ')})`)
      .option('--timeout <ms>', 'time limit of one registry request', '30000');
  const program = new Command('images')
    .description(
      'Resolve the images every environment deploys against their registries (apps/<system>/images.lock.yaml)',
    )
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: (s) => out(s.trimEnd()) });
  common(program.command('status').description('list locked and unresolved images (offline)'))
    .option('--json', 'print the images as JSON (system, env, path, repository, tag, entry, containers)')
    .action(async (o: Options) => {
      code = await status(o, out, ws);
    });
  common(program.command('resolve').description('ask the registries and write the locks (all or nothing)'))
    .option('--tag <tag>', 'release this tag (with one --system and one --env)')
    .option(
      '--record-unresolved',
      'record images whose registry cannot be reached or refuses the credentials as unresolved',
    )
    .option('--accept-moved-tags', 're-record tags that now name another digest')
    .action(async (o: Options) => {
      code = await resolveCmd(o, out, err, ws);
    });
  common(
    program
      .command('verify')
      .description('CI gate: fail unless every image is resolved and its registry still serves it'),
  ).action(async (o: Options) => {
    code = await verify(o, out, err, ws);
  });
  if (!(await parseCommandLine(program, argv, 'images'))) return 0;
  return code;
}

if (require.main === module) runMain(() => main(process.argv.slice(2)));
