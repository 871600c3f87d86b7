/**
 * `exec-needs-binary`: an exec probe or lifecycle hook runs a binary inside the container's image — and
 * distroless, chiseled and scratch images have none (no `sleep`, no `sh`). The hook then fails at every
 * pod stop (a `preStop: exec sleep 15` drain delay silently becomes none) and an exec probe kills or
 * never readies the pod. So every binary an exec probe or hook runs must be declared as present in the
 * image, on the pod template:
 *
 * ```yaml
 * policy.gitops.platform/image-binaries: "api=sleep;proxy=sh,curl"   # per container
 * policy.gitops.platform/image-binaries: "sleep"                      # every container of the pod
 * ```
 *
 * The platform constructs never emit an exec hook unless asked (`preStopSleep: 'exec'`), and then
 * declare it; the native `lifecycle.preStop.sleep` (Kubernetes >= 1.30) and httpGet/grpc/tcpSocket
 * probes need no binary.
 */
import type { Finding, PodTemplate, PolicyRule } from '../policy';
import { containersOf, describe, finding } from './util';

/** Pod template annotation declaring the binaries the images of a pod provide. */
export const IMAGE_BINARIES_ANNOTATION = 'policy.gitops.platform/image-binaries';

/** Parse the annotation: container name (or `*` for every container) → binaries. */
export function parseImageBinaries(value: string | undefined): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const entry of (value ?? '').split(';').map((e) => e.trim())) {
    if (!entry) continue;
    const eq = entry.indexOf('=');
    const container = eq === -1 ? '*' : entry.slice(0, eq).trim();
    const bins = (eq === -1 ? entry : entry.slice(eq + 1))
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean);
    out.set(container, new Set([...(out.get(container) ?? []), ...bins]));
  }
  return out;
}

const HANDLERS = [
  ['livenessProbe', 'livenessProbe/exec/command', 'probe'],
  ['readinessProbe', 'readinessProbe/exec/command', 'probe'],
  ['startupProbe', 'startupProbe/exec/command', 'probe'],
  ['postStart', 'lifecycle/postStart/exec/command', 'hook'],
  ['preStop', 'lifecycle/preStop/exec/command', 'hook'],
] as const;

function execCommand(c: any, name: string): unknown {
  const handler =
    name === 'postStart' || name === 'preStop' ? c?.lifecycle?.[name] : (c?.[name] as any | undefined);
  return handler?.exec?.command;
}

function declared(p: PodTemplate): Map<string, Set<string>> {
  return parseImageBinaries(p.annotations[IMAGE_BINARIES_ANNOTATION]);
}

export const execNeedsBinary: PolicyRule = {
  id: 'exec-needs-binary',
  title: 'Exec probes and hooks run binaries the image is declared to have',
  description: `Every exec probe (liveness, readiness, startup) and exec lifecycle hook (postStart, preStop) runs a binary declared present in the container's image with the pod template annotation ${IMAGE_BINARIES_ANNOTATION} ("<container>=<bin>,<bin>;..." or "<bin>,..." for every container); distroless and chiseled images have no sleep or sh, so the hook fails at each pod stop. Prefer lifecycle.preStop.sleep (Kubernetes >= 1.30) and httpGet/grpc/tcpSocket probes.`,
  check(ix) {
    const out: Finding[] = [];
    for (const p of ix.pods) {
      const decl = declared(p);
      for (const { c, path } of containersOf(p)) {
        for (const [name, sub, what] of HANDLERS) {
          const cmd = execCommand(c, name);
          if (!Array.isArray(cmd) || !cmd.length) continue;
          const bin = String(cmd[0]).split('/').pop() ?? '';
          const have = new Set([...(decl.get('*') ?? []), ...(decl.get(c?.name) ?? [])]);
          if (have.has(bin)) continue;
          const advice =
            name === 'preStop' && bin === 'sleep'
              ? 'use lifecycle.preStop.sleep (Kubernetes >= 1.30, no binary needed)'
              : what === 'probe'
                ? 'use an httpGet, grpc or tcpSocket probe'
                : 'use an httpGet or sleep hook';
          out.push(
            finding(
              p.obj,
              `${path}/${sub}/0`,
              `container ${c?.name} of ${describe(p.obj)}: the ${name} ${what} runs "${cmd.join(' ')}", which needs \`${bin}\` in image ${c?.image}; distroless and chiseled images have none and the ${what} fails: ${advice}, or declare the binary with ${IMAGE_BINARIES_ANNOTATION}: "${c?.name}=${bin}" on the pod template`,
            ),
          );
        }
      }
    }
    return out;
  },
};
