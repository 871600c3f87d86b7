/**
 * `pull-policy-pinned`: a container whose image is pinned (a version tag or a digest) does not set
 * `imagePullPolicy: Always`. A pinned image never changes, so `Always` only adds a registry round trip
 * to every pod start — and, at scale-up or after a node replacement, trips the registry's rate limits
 * (seed 000: versioned tags with `IfNotPresent`). cdk8s-plus-28 sets `Always` by default.
 */
import type { Finding, PolicyRule } from '../policy';
import { containersOf, describe, finding, splitImage } from './util';

export const pullPolicyPinned: PolicyRule = {
  id: 'pull-policy-pinned',
  title: 'Pinned images are pulled IfNotPresent',
  description:
    'A container whose image has a version tag (not latest) or a digest does not set imagePullPolicy: Always (the cdk8s-plus default): the image cannot change, and pulling on every start hits registry rate limits at scale-up (seed 000).',
  check(ix) {
    const out: Finding[] = [];
    for (const p of ix.pods) {
      for (const { c, path } of containersOf(p)) {
        if (c?.imagePullPolicy !== 'Always' || typeof c?.image !== 'string') continue;
        const { tag } = splitImage(c.image);
        const pinned = c.image.includes('@') || (tag !== undefined && tag !== 'latest');
        if (!pinned) continue;
        out.push(
          finding(
            p.obj,
            `${path}/imagePullPolicy`,
            `container ${c.name} of ${describe(p.obj)} pulls the pinned image ${c.image} with imagePullPolicy: Always (the cdk8s-plus default): set IfNotPresent (seed 000: registry rate limits at scale-up)`,
          ),
        );
      }
    }
    return out;
  },
};
