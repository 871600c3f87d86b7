import { describe, expect, it } from 'vitest';
import { runPolicies } from '../policy';
import { policyContextFor } from '../workspace';
import { deployment } from './fixtures';
import { knownImageUser } from './run-as-non-root-uid';

const run = (objs: any[]) =>
  runPolicies(objs, policyContextFor('dev'), { rules: ['run-as-non-root-uid'] }).map(
    (v) => `${v.path}: ${v.message}`,
  );

describe('run-as-non-root-uid', () => {
  it('passes a numeric UID on the pod or the container', () => {
    expect(run([deployment()])).toEqual([]);
    expect(
      run([
        deployment({ securityContext: { runAsNonRoot: true, runAsUser: 1000 } }, {}, { securityContext: {} }),
      ]),
    ).toEqual([]);
  });
  it('refuses runAsNonRoot without a UID on an unknown image (the cdk8s-plus default)', () => {
    const d = deployment(
      { securityContext: { runAsNonRoot: true } },
      {},
      { securityContext: { runAsNonRoot: true } },
    );
    expect(run([d])).toEqual([
      expect.stringMatching(
        /^\/spec\/template\/spec\/containers\/0\/securityContext\/runAsUser: container web of Deployment shop\/web sets runAsNonRoot without a numeric runAsUser .*"image will run as root".*set securityContext.runAsUser/,
      ),
    ]);
    expect(run([deployment({}, {}, { securityContext: { runAsNonRoot: true, runAsUser: 0 } })])).toHaveLength(
      1,
    );
  });
  it('accepts images known to declare a numeric non-root USER', () => {
    expect(knownImageUser('gcr.io/distroless/static-debian12:nonroot')).toBe(65532);
    expect(knownImageUser('gcr.io/distroless/static-debian12:latest')).toBeUndefined();
    expect(knownImageUser('nginxinc/nginx-unprivileged:1.27')).toBe(101);
    expect(knownImageUser('cgr.dev/chainguard/redis:latest-dev')).toBeUndefined();
    const d = deployment(
      { image: 'gcr.io/distroless/static-debian12:nonroot' },
      {},
      { securityContext: { runAsNonRoot: true } },
    );
    expect(run([d])).toEqual([]);
  });
  it('leaves containers alone that do not ask for non-root (pss-restricted reports those)', () => {
    expect(run([deployment({}, {}, { securityContext: {} })])).toEqual([]);
  });
});
