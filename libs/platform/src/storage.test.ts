import { describe, expect, it } from 'vitest';
import { find, PersistentClaim, synth } from './index';

const aws = { readWriteMany: 'efs-sc', readWriteOnce: 'gp3' };
const onprem = { readWriteMany: 'nfs-client', readWriteOnce: 'local-path' };

describe('PersistentClaim', () => {
  it('uses EFS for RWX and EBS gp3 for RWO on AWS', () => {
    const objs = synth((c) => {
      new PersistentClaim(c, 'M', {
        name: 'models',
        namespace: 'test',
        size: '5Gi',
        accessMode: 'ReadWriteMany',
        storageClasses: aws,
      });
      new PersistentClaim(c, 'D', {
        name: 'data',
        namespace: 'test',
        size: '10Gi',
        accessMode: 'ReadWriteOnce',
        storageClasses: aws,
      });
    });
    expect(find(objs, 'PersistentVolumeClaim', 'models').spec).toEqual({
      accessModes: ['ReadWriteMany'],
      storageClassName: 'efs-sc',
      resources: { requests: { storage: '5Gi' } },
    });
    expect(find(objs, 'PersistentVolumeClaim', 'data').spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'gp3',
      resources: { requests: { storage: '10Gi' } },
    });
  });
  it('uses the on-prem classes in mini-corp', () => {
    const objs = synth(
      (c) =>
        void new PersistentClaim(c, 'M', {
          name: 'm',
          namespace: 'test',
          size: '5Gi',
          accessMode: 'ReadWriteMany',
          storageClasses: onprem,
        }),
    );
    expect(find(objs, 'PersistentVolumeClaim').spec.storageClassName).toBe('nfs-client');
  });
  it('rejects a malformed size', () => {
    expect(() =>
      synth(
        (c) =>
          void new PersistentClaim(c, 'M', {
            name: 'm',
            namespace: 'test',
            size: 'big',
            accessMode: 'ReadWriteOnce',
            storageClasses: aws,
          }),
      ),
    ).toThrow(/size "big"/);
  });
});
