import { describe, expect, it } from 'vitest';
import { runPolicies } from '../policy';
import { policyContextFor } from '../workspace';
import { deployment, REG } from './fixtures';

const run = (objs: any[]) =>
  runPolicies(objs, policyContextFor('dev'), { rules: ['pull-policy-pinned'] }).map(
    (v) => `${v.path}: ${v.message}`,
  );

describe('pull-policy-pinned', () => {
  it('flags Always on a pinned tag or digest (the cdk8s-plus default)', () => {
    expect(run([deployment({ imagePullPolicy: 'Always' })])).toEqual([
      expect.stringMatching(
        /^\/spec\/template\/spec\/containers\/0\/imagePullPolicy: container web .*pulls the pinned image .*with imagePullPolicy: Always \(the cdk8s-plus default\): set IfNotPresent/,
      ),
    ]);
    expect(
      run([deployment({ imagePullPolicy: 'Always', image: `${REG}/web@sha256:${'a'.repeat(64)}` })]),
    ).toHaveLength(1);
  });
  it('leaves IfNotPresent, and Always on latest (image-tag-pinned reports that)', () => {
    expect(run([deployment({ imagePullPolicy: 'IfNotPresent' })])).toEqual([]);
    expect(run([deployment({ imagePullPolicy: 'Always', image: `${REG}/web:latest` })])).toEqual([]);
  });
});
