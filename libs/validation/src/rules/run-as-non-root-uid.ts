/**
 * `run-as-non-root-uid`: a container that must run as non-root (`runAsNonRoot: true`, its own or the
 * pod's) names a numeric, non-zero `runAsUser` (its own or the pod's), or uses an image known to set a
 * numeric non-root USER.
 *
 * The kubelet checks `runAsNonRoot` against the image's USER when it starts the container: a root image
 * fails with "container has runAsNonRoot and image will run as root", an image whose USER is a name
 * fails with "image has non-numeric user ..., cannot verify user is non-root". Neither shows up before the
 * pod is scheduled; cdk8s-plus-28 sets `runAsNonRoot: true` without a user by default.
 */
import type { Finding, PolicyRule } from '../policy';
import { containersOf, describe, finding, splitImage } from './util';

/**
 * Images known to declare a numeric non-root USER: registry/repository prefixes, with the tag they need.
 * Anything else needs `runAsUser`.
 */
export const KNOWN_NON_ROOT_IMAGES: readonly {
  readonly repository: RegExp;
  readonly tag?: RegExp;
  readonly uid: number;
}[] = [
  // distroless `nonroot` variants (USER 65532)
  { repository: /^gcr\.io\/distroless\//, tag: /(^|-)nonroot($|-)/, uid: 65532 },
  // Chainguard images run as 65532 unless `-dev`
  { repository: /^cgr\.dev\/chainguard\//, tag: /^(?!.*-dev$)/, uid: 65532 },
  // nginx's unprivileged image (USER 101)
  { repository: /^(docker\.io\/)?nginxinc\/nginx-unprivileged$/, uid: 101 },
  // Bitnami images (USER 1001)
  { repository: /^(docker\.io\/)?bitnami\//, uid: 1001 },
];

/** The UID an image is known to run as, if any. */
export function knownImageUser(image: string): number | undefined {
  const { registry, repository, tag } = splitImage(image);
  const full = `${registry}/${repository}`;
  for (const k of KNOWN_NON_ROOT_IMAGES) {
    if ((k.repository.test(full) || k.repository.test(repository)) && (!k.tag || k.tag.test(tag ?? '')))
      return k.uid;
  }
  return undefined;
}

export const runAsNonRootUid: PolicyRule = {
  id: 'run-as-non-root-uid',
  title: 'runAsNonRoot comes with a numeric runAsUser',
  description:
    'A container with runAsNonRoot: true (container or pod) sets a numeric non-zero runAsUser (container or pod), unless its image is known to declare a numeric non-root USER (distroless nonroot, Chainguard, nginx-unprivileged, Bitnami); otherwise the kubelet refuses to start a root image or one whose USER is a name.',
  check(ix) {
    const out: Finding[] = [];
    for (const p of ix.pods) {
      const psc = p.spec?.securityContext ?? {};
      for (const { c, path } of containersOf(p)) {
        const sc = c?.securityContext ?? {};
        if ((sc.runAsNonRoot ?? psc.runAsNonRoot) !== true) continue;
        const user = sc.runAsUser ?? psc.runAsUser;
        if (typeof user === 'number' && Number.isInteger(user) && user > 0) continue;
        if (typeof c?.image === 'string' && knownImageUser(c.image) !== undefined) continue;
        out.push(
          finding(
            p.obj,
            `${path}/securityContext/runAsUser`,
            `container ${c?.name} of ${describe(p.obj)} sets runAsNonRoot without a numeric runAsUser and its image ${c?.image} is not known to declare a numeric non-root USER: the kubelet refuses to start it ("image will run as root" / "non-numeric user"); set securityContext.runAsUser (and runAsGroup), e.g. 10001`,
          ),
        );
      }
    }
    return out;
  },
};
