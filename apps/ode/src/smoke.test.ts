import { describe, expect, it } from 'vitest';
import { ENVIRONMENT_NAMES, resolveValues, synthesize } from '@gitops/render';
import system from './system';

describe('ode synthesizes', () => {
  for (const env of [...ENVIRONMENT_NAMES, 'defaults'] as const) {
    it(env, () => {
      const objs = synthesize(system, resolveValues(system, env));
      expect(objs.length).toBeGreaterThan(5);
    });
  }
});
