import { describe, expect, it } from 'vitest';
import { runPolicies } from '../policy';
import { policyContextFor } from '../workspace';
import { IMAGE_BINARIES_ANNOTATION, parseImageBinaries } from './exec-needs-binary';
import { deployment } from './fixtures';

const run = (objs: any[]) =>
  runPolicies(objs, policyContextFor('dev'), { rules: ['exec-needs-binary'] }).map(
    (v) => `${v.path}: ${v.message}`,
  );
const sleepHook = { lifecycle: { preStop: { exec: { command: ['sleep', '15'] } } } };
const withAnnotation = (d: any, value: string) => {
  d.spec.template.metadata.annotations = { [IMAGE_BINARIES_ANNOTATION]: value };
  return d;
};

describe('exec-needs-binary', () => {
  it('flags an exec preStop sleep on an image not declared to have sleep, pointing to the native hook', () => {
    expect(run([deployment(sleepHook)])).toEqual([
      expect.stringMatching(
        /^\/spec\/template\/spec\/containers\/0\/lifecycle\/preStop\/exec\/command\/0: container web .*runs "sleep 15", which needs `sleep` .*use lifecycle\.preStop\.sleep \(Kubernetes >= 1\.30/,
      ),
    ]);
  });
  it('flags exec probes (by the binary, paths stripped), and accepts declared binaries per container or pod', () => {
    const probe = { livenessProbe: { exec: { command: ['/bin/grpc_health_probe', '-addr=:5050'] } } };
    expect(run([deployment(probe)])).toEqual([
      expect.stringMatching(
        /livenessProbe\/exec\/command\/0: .*needs `grpc_health_probe` .*use an httpGet, grpc or tcpSocket probe/,
      ),
    ]);
    expect(run([withAnnotation(deployment(probe), 'web=grpc_health_probe')])).toEqual([]);
    expect(run([withAnnotation(deployment(sleepHook), 'sleep,sh')])).toEqual([]);
    expect(run([withAnnotation(deployment(sleepHook), 'other=sleep')])).toHaveLength(1);
  });
  it('needs nothing for the native sleep hook and httpGet/grpc/tcp probes', () => {
    const d = deployment({
      lifecycle: { preStop: { sleep: { seconds: 15 } } },
      readinessProbe: { grpc: { port: 5050 } },
    });
    expect(run([d])).toEqual([]);
  });
  it('parses the annotation', () => {
    expect(parseImageBinaries('api=sleep, sh; proxy=curl;;jq')).toEqual(
      new Map([
        ['api', new Set(['sleep', 'sh'])],
        ['proxy', new Set(['curl'])],
        ['*', new Set(['jq'])],
      ]),
    );
  });
});
