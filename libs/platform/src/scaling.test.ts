import { describe, expect, it } from 'vitest';
import { behaviorOf, find, HorizontalPodAutoscaler, PodDisruptionBudget, synth } from './index';

const behavior = behaviorOf({
  scaleUpPercent: 100,
  scaleUpPeriodSeconds: 60,
  scaleDownPercent: 50,
  scaleDownPeriodSeconds: 60,
  scaleDownStabilizationSeconds: 300,
});
const hpa = (extra: object = {}) =>
  synth(
    (c) =>
      void new HorizontalPodAutoscaler(c, 'H', {
        name: 'a',
        namespace: 'test',
        deploymentName: 'a',
        minReplicas: 2,
        maxReplicas: 10,
        cpuUtilization: 70,
        memoryUtilization: 80,
        behavior,
        ...extra,
      }),
  );

describe('HorizontalPodAutoscaler', () => {
  it('is autoscaling/v2 with CPU/memory targets and explicit behaviour', () => {
    const h = find(hpa(), 'HorizontalPodAutoscaler');
    expect(h.apiVersion).toBe('autoscaling/v2');
    expect(h.spec.metrics).toEqual([
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
      },
      {
        type: 'Resource',
        resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } },
      },
    ]);
    expect(h.spec.behavior).toEqual({
      scaleUp: {
        policies: [{ type: 'Percent', value: 100, periodSeconds: 60 }],
        selectPolicy: 'Min',
        stabilizationWindowSeconds: 0,
      },
      scaleDown: {
        policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }],
        selectPolicy: 'Min',
        stabilizationWindowSeconds: 300,
      },
    });
  });
  it('rejects min > max, zero minimum and a missing metric', () => {
    expect(() => hpa({ minReplicas: 5, maxReplicas: 2 })).toThrow(
      /minReplicas \(5\) must not exceed maxReplicas \(2\)/,
    );
    expect(() => hpa({ minReplicas: 0 })).toThrow(/minReplicas must be an integer >= 1/);
    expect(() => hpa({ cpuUtilization: undefined, memoryUtilization: undefined })).toThrow(
      /cpuUtilization and\/or memoryUtilization/,
    );
    expect(() => hpa({ cpuUtilization: 170 })).toThrow(/cpuUtilization must be an integer between 1 and 100/);
  });
  it('behaviorOf caps pods per period with the most conservative policy', () => {
    const b = behaviorOf({
      scaleUpPercent: 100,
      scaleUpPeriodSeconds: 30,
      scaleUpMaxPods: 4,
      scaleDownPercent: 50,
      scaleDownPeriodSeconds: 60,
      scaleDownStabilizationSeconds: 600,
    });
    expect(b.scaleUp.policies).toEqual([
      { type: 'Percent', value: 100, periodSeconds: 30 },
      { type: 'Pods', value: 4, periodSeconds: 30 },
    ]);
    expect(b.scaleUp.selectPolicy).toBe('Min');
    expect(b.scaleDown.stabilizationWindowSeconds).toBe(600);
  });
});

describe('PodDisruptionBudget', () => {
  it('always allows one eviction', () => {
    const p = find(
      synth(
        (c) => void new PodDisruptionBudget(c, 'P', { name: 'a', namespace: 'test', selector: { x: 'y' } }),
      ),
      'PodDisruptionBudget',
    );
    expect(p.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { x: 'y' } } });
    expect(() =>
      synth(
        (c) =>
          void new PodDisruptionBudget(c, 'P', {
            name: 'a',
            namespace: 'test',
            selector: {},
            maxUnavailable: 0,
          }),
      ),
    ).toThrow(/maxUnavailable/);
  });
});
