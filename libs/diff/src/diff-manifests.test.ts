import { describe, expect, it } from 'vitest';
import { resolveConfig } from './config';
import { createHash } from 'node:crypto';
import { diffManifests, maskSecretValue } from './diff-manifests';
import { createMasker } from './masking';
import { compileRule, matchesPath, parsePath } from './paths';
import { cidrWithin } from './risk';
import type { K8sObject } from './types';

const dep = (over: Record<string, any> = {}, name = 'web'): K8sObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'ns', labels: { app: name, 'helm.sh/chart': 'web-0.1.0' } },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name }, annotations: { 'checksum/config': 'aaa' } },
      spec: {
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name: 'web',
            image: 'r.example.com/web:v1',
            readinessProbe: { httpGet: { path: '/', port: 80 } },
            livenessProbe: { httpGet: { path: '/', port: 80 } },
            securityContext: {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ['ALL'] },
            },
          },
        ],
      },
    },
    ...over,
  },
});
const risky = { ...resolveConfig().diff, assessRisk: true };
const codes = (base: K8sObject[], head: K8sObject[]) =>
  diffManifests(base, head, risky).flatMap((c) => c.risks.map((r) => r.code));

describe('diffManifests', () => {
  it('ignores key order, chart labels, checksum annotations and status', () => {
    const a = dep();
    const b: K8sObject = JSON.parse(
      JSON.stringify({
        status: { ready: 1 },
        spec: a.spec,
        metadata: a.metadata,
        kind: a.kind,
        apiVersion: a.apiVersion,
      }),
    );
    b.metadata.labels['helm.sh/chart'] = 'web-0.2.0';
    b.spec.template.metadata.annotations['checksum/config'] = 'bbb';
    expect(diffManifests([a], [b])).toEqual([]);
  });

  it('honours a configured ignore list, kind-restricted', () => {
    const cfg = resolveConfig({
      ignore: ['Deployment:spec.replicas', { kind: 'Service', path: 'spec.template' }],
    }).diff;
    expect(diffManifests([dep()], [dep({ replicas: 1 })], cfg)).toEqual([]);
    expect(diffManifests([dep()], [dep({ replicas: 1 })])).toHaveLength(1);
  });

  it('reports added, removed, changed and renamed objects with identity keys', () => {
    const cm = (name: string, data: Record<string, string>): K8sObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'ns', labels: { app: name } },
      data,
    });
    const base = [
      cm('keep', { a: '1' }),
      cm('gone', { x: 'x' }),
      cm('old-name', { big: 'same', other: 'same', more: 'same', yet: 'same' }),
    ];
    const head = [
      cm('keep', { a: '2' }),
      cm('new', { y: 'y' }),
      cm('new-name', { big: 'same', other: 'same', more: 'same', yet: 'same' }),
    ];
    const changes = diffManifests(base, head);
    expect(changes.map((c) => [c.type, c.key])).toEqual([
      ['removed', '/ConfigMap ns/gone'],
      ['changed', '/ConfigMap ns/keep'],
      ['added', '/ConfigMap ns/new'],
      ['renamed', '/ConfigMap ns/new-name'],
    ]);
    expect(changes[1].changedPaths).toEqual(['data.a']);
    expect(changes[1].diff).toBe(
      '@@ -1,6 +1,6 @@\n apiVersion: v1\n data:\n-  a: "1"\n+  a: "2"\n kind: ConfigMap\n metadata:\n   labels:',
    );
    expect(changes[3]).toMatchObject({
      previousKey: '/ConfigMap ns/old-name',
      previousName: 'old-name',
      similarity: 1,
    });
  });

  it('does not pair dissimilar objects as renames', () => {
    const cm = (name: string, v: string): K8sObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'ns' },
      data: { a: v, b: v, c: v },
    });
    expect(diffManifests([cm('a', '1')], [cm('b', '2')]).map((c) => c.type)).toEqual(['removed', 'added']);
  });

  it('masks Secret data and configured sensitive fields before comparing', () => {
    const sec = (v: string): K8sObject => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', namespace: 'ns' },
      data: { k: v },
    });
    const cm = (v: string): K8sObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'ns' },
      data: { 'db-password': v, plain: 'visible' },
    });
    const cfg = resolveConfig({ sensitive: ['ConfigMap:data["db-password"]'] }).diff;
    const changes = diffManifests(
      [sec('c2VjcmV0MQ=='), cm('pw-one-XYZ')],
      [sec('c2VjcmV0Mg=='), cm('pw-two-XYZ')],
      cfg,
    );
    const text = JSON.stringify(changes);
    for (const raw of ['c2VjcmV0MQ==', 'c2VjcmV0Mg==', 'pw-one-XYZ', 'pw-two-XYZ'])
      expect(text).not.toContain(raw);
    // No fingerprint is shown at all, only whether the value changed.
    expect(text).not.toMatch(/hmac|sha256/);
    const secretDiff = changes.find((c) => c.kind === 'Secret')!.diff;
    expect(secretDiff).toContain('+  k: <secret changed>');
    expect(secretDiff).toContain('-  k: <secret>');
    expect(changes.find((c) => c.kind === 'ConfigMap')!.diff).toContain('   plain: visible');
  });

  it('the mask is keyed per run: an unsalted hash of a guessable value cannot be looked up', () => {
    expect(maskSecretValue('hunter2')).not.toBe(maskSecretValue('hunter2'));
    const m = createMasker();
    expect(m('hunter2')).toBe(m('hunter2'));
    expect(m('hunter2')).not.toContain(createHash('sha256').update('hunter2').digest('hex').slice(0, 8));
  });

  it('masks every leak of the issue: base64 password and AWS key in a ConfigMap, a Secret inside a List, Secret annotations, last-applied copies', () => {
    const B64 = Buffer.from('password=Sup3rS3cret!').toString('base64');
    const AWS = 'AKIAIOSFODNN7EXAMPLE';
    const cmLeaky = (v: string): K8sObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'app-config',
        namespace: 'ns',
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': `{"data":{"k":"${AWS}"}}` },
      },
      data: { DB_PASSWORD_B64: B64, aws: AWS, 'db-password': 'pw-Xy9', region: v },
    });
    const list = (v: string): K8sObject => ({
      apiVersion: 'v1',
      kind: 'List',
      metadata: {},
      items: [
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: {
            name: 'in-list',
            namespace: 'ns',
            annotations: { 'team.example.com/note': `token ${v}-TOKEN-9f8e` },
          },
          stringData: { password: `listpw-${v}` },
        },
      ],
    });
    const changes = diffManifests([cmLeaky('eu-west-1'), list('a')], [cmLeaky('eu-west-2'), list('b')], {
      ...resolveConfig({ defaultIgnore: false }).diff,
    });
    const text = JSON.stringify(changes);
    for (const raw of [B64, AWS, 'pw-Xy9', 'listpw-a', 'listpw-b', 'a-TOKEN-9f8e', 'b-TOKEN-9f8e'])
      expect(text).not.toContain(raw);
    expect(changes.map((c) => c.key).sort()).toEqual(['/ConfigMap ns/app-config', '/Secret ns/in-list']);
    const cmDiff = changes.find((c) => c.kind === 'ConfigMap')!.diff;
    expect(cmDiff).toContain('+  region: eu-west-2'); // ordinary values stay readable
    expect(cmDiff).toContain('   aws: <secret unchanged>');
    expect(cmDiff).toContain('   DB_PASSWORD_B64: <secret unchanged>');
    expect(changes.find((c) => c.kind === 'Secret')!.diff).toContain(
      '+    team.example.com/note: <secret changed>',
    );
  });
});

describe('risk flags', () => {
  it('replicas lowered, image changed, probe removed, security weakened', () => {
    const head = dep({ replicas: 1 });
    const c = head.spec.template.spec.containers[0];
    c.image = 'r.example.com/web:v2';
    delete c.livenessProbe;
    c.securityContext = { capabilities: { add: ['NET_ADMIN'] } };
    head.spec.template.spec.securityContext = {};
    head.spec.template.spec.hostNetwork = true;
    expect(codes([dep()], [head]).sort()).toEqual([
      'host-access',
      'image-changed',
      'probe-removed',
      'replicas-lowered',
      'security-weakened',
      'security-weakened',
      'security-weakened',
      'security-weakened',
      'security-weakened',
      'security-weakened',
      'security-weakened',
    ]);
  });

  it('PDB lowered and removed objects', () => {
    const pdb = (spec: object): K8sObject => ({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'p', namespace: 'ns' },
      spec,
    });
    expect(codes([pdb({ minAvailable: 2 })], [pdb({ minAvailable: 1 })])).toEqual(['pdb-lowered']);
    expect(codes([pdb({ maxUnavailable: 1 })], [pdb({ maxUnavailable: 2 })])).toEqual(['pdb-lowered']);
    expect(codes([pdb({ minAvailable: 1 })], [pdb({ minAvailable: 2 })])).toEqual([]);
    expect(codes([pdb({ minAvailable: 1 })], []).sort()).toEqual(['object-removed', 'pdb-lowered']);
  });

  it('ingress CIDRs widened, on annotations, LoadBalancer ranges and NetworkPolicies', () => {
    const ing = (cidrs?: string): K8sObject => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: 'i',
        namespace: 'ns',
        annotations: cidrs ? { 'alb.ingress.kubernetes.io/inbound-cidrs': cidrs } : {},
      },
      spec: {},
    });
    expect(codes([ing('10.0.0.0/16')], [ing('10.0.1.0/24')])).toEqual([]);
    expect(codes([ing('10.0.0.0/16')], [ing('10.0.0.0/8')])).toEqual(['ingress-widened']);
    expect(codes([ing('10.0.0.0/16')], [ing()])).toEqual(['ingress-widened']);
    const np = (from: object[] | undefined): K8sObject => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'n', namespace: 'ns' },
      spec: { ingress: [{ from }] },
    });
    expect(
      codes([np([{ ipBlock: { cidr: '192.168.0.0/24' } }])], [np([{ ipBlock: { cidr: '0.0.0.0/0' } }])]),
    ).toEqual(['ingress-widened']);
    expect(codes([np([{ ipBlock: { cidr: '192.168.0.0/24' } }])], [np(undefined)])).toEqual([
      'ingress-widened',
    ]);
    const svc = (r: string[]): K8sObject => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's', namespace: 'ns' },
      spec: { type: 'LoadBalancer', loadBalancerSourceRanges: r },
    });
    expect(codes([svc(['10.0.0.0/8'])], [svc(['10.0.0.0/8', '203.0.113.0/24'])])).toEqual([
      'ingress-widened',
    ]);
    expect(cidrWithin('10.1.2.0/24', '10.0.0.0/8')).toBe(true);
    expect(cidrWithin('11.0.0.0/24', '10.0.0.0/8')).toBe(false);
  });

  it('storage class or size changed', () => {
    const pvc = (cls: string, size: string): K8sObject => ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'd', namespace: 'ns' },
      spec: { storageClassName: cls, resources: { requests: { storage: size } } },
    });
    expect(codes([pvc('gp3', '10Gi')], [pvc('efs-sc', '20Gi')])).toEqual([
      'storage-changed',
      'storage-changed',
    ]);
  });

  it('hook and sync-wave changes; a new object with a sync wave is not a risk, a new hook is', () => {
    const job = (ann: Record<string, string>): K8sObject => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j', namespace: 'ns', annotations: ann },
      spec: { template: { spec: { containers: [] } } },
    });
    expect(
      codes([job({ 'argocd.argoproj.io/sync-wave': '1' })], [job({ 'argocd.argoproj.io/sync-wave': '5' })]),
    ).toEqual(['sync-changed']);
    expect(codes([], [job({ 'argocd.argoproj.io/sync-wave': '1' })])).toEqual([]);
    expect(codes([], [job({ 'argocd.argoproj.io/hook': 'PreSync' })])).toEqual(['sync-changed']);
  });

  it('are not computed unless asked (non-production environments)', () => {
    expect(diffManifests([dep()], [dep({ replicas: 1 })])[0].risks).toEqual([]);
  });
});

describe('paths', () => {
  it('parses brackets, globs and **', () => {
    expect(parsePath('metadata.labels["helm.sh/chart"]')).toEqual(['metadata', 'labels', 'helm.sh/chart']);
    const r = compileRule('**.metadata.annotations["checksum/*"]');
    expect(matchesPath(r, ['metadata', 'annotations', 'checksum/config'])).toBe(true);
    expect(matchesPath(r, ['spec', 'template', 'metadata', 'annotations', 'checksum/secret'])).toBe(true);
    expect(matchesPath(r, ['spec', 'template', 'metadata', 'annotations', 'other'])).toBe(false);
    expect(compileRule('Secret:data.*').kind).toBe('Secret');
    expect(compileRule('metadata.annotations["a:b"]').kind).toBeUndefined();
    expect(() => resolveConfig({ ignore: ['metadata.labels["x'] })).toThrow(/unterminated/);
  });
});

describe('risk rules for new and changed objects', () => {
  const assess = (base: K8sObject[], head: K8sObject[], environment = 'prod', operational = true) =>
    diffManifests(base, head, {
      ...resolveConfig().diff,
      assessRisk: true,
      riskContext: { environment, environments: ['dev', 'mini-corp', 'prod'], operational },
    });
  const codesOf = (...a: Parameters<typeof assess>) =>
    assess(...a).flatMap((c) => c.risks.map((r) => r.code));
  const ns = (level?: string): K8sObject => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'app', labels: level ? { 'pod-security.kubernetes.io/enforce': level } : {} },
  });
  const svc = (type?: string): K8sObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'ns' },
    spec: { ...(type ? { type } : {}), ports: [{ port: 80 }] },
  });

  it('pod security enforce level lowered (restricted → privileged), or removed, or a new privileged Namespace', () => {
    expect(codesOf([ns('restricted')], [ns('privileged')])).toEqual(['psa-downgraded']);
    expect(codesOf([ns('restricted')], [ns('baseline')])).toEqual(['psa-downgraded']);
    expect(codesOf([ns('baseline')], [ns()])).toEqual(['psa-downgraded']);
    expect(codesOf([ns('baseline')], [ns('restricted')])).toEqual([]);
    expect(codesOf([], [ns('privileged')], 'dev', false)).toEqual(['psa-downgraded']);
    expect(assess([ns('restricted')], [ns('privileged')])[0].risks[0].message).toBe(
      'pod-security.kubernetes.io/enforce: restricted → privileged',
    );
  });

  it('a new LoadBalancer or NodePort Service, or a Service turned into one (every environment)', () => {
    expect(codesOf([], [svc('LoadBalancer')])).toEqual(['service-exposed']);
    expect(codesOf([], [svc('NodePort')], 'dev', false)).toEqual(['service-exposed']);
    expect(codesOf([svc()], [svc('LoadBalancer')])).toEqual(['service-exposed']);
    expect(codesOf([], [svc()])).toEqual([]);
  });

  it('hostNetwork / privileged / hostPath in a new workload; hostNetwork or privileged gained', () => {
    const pod = (spec: Record<string, unknown>, name = 'agent'): K8sObject => ({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name, namespace: 'ns' },
      spec: { template: { spec: { containers: [{ name: 'c', image: 'r.example.com/a:1' }], ...spec } } },
    });
    expect(codesOf([], [pod({ hostNetwork: true })], 'dev', false)).toEqual(['host-access']);
    const priv = pod({
      containers: [{ name: 'c', image: 'r.example.com/a:1', securityContext: { privileged: true } }],
    });
    expect(codesOf([], [priv], 'dev', false)).toEqual(['host-access']);
    expect(codesOf([pod({})], [pod({ hostNetwork: true })], 'dev', false)).toEqual([
      'host-access',
      'security-weakened',
    ]);
  });

  it('a dev ExternalSecret pointed at a prod key is a cross-environment reference', () => {
    const es = (key: string): K8sObject => ({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'db', namespace: 'ns' },
      spec: {
        secretStoreRef: { name: 'store', kind: 'ClusterSecretStore' },
        data: [{ secretKey: 'password', remoteRef: { key } }],
      },
    });
    expect(codesOf([es('dev/db/password')], [es('prod/db/password')], 'dev', false)).toEqual([
      'cross-env-secret',
    ]);
    expect(codesOf([], [es('tickets-prod/db')], 'dev', false)).toEqual(['cross-env-secret']);
    expect(codesOf([], [es('dev/db/password')], 'dev', false)).toEqual([]);
    expect(codesOf([], [es('product-catalog/db')], 'dev', false)).toEqual([]);
    expect(assess([], [es('prod/db/password')], 'dev', false)[0].risks[0].message).toBe(
      'dev reads secret key "prod/db/password" of prod',
    );
  });

  it('ClusterRole and ClusterRoleBinding changes, additions and removals (every environment)', () => {
    const cr = (verbs: string[]): K8sObject => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'reader' },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs }],
    });
    const crb: K8sObject = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'reader' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'a', namespace: 'ns' }],
    };
    expect(codesOf([cr(['get'])], [cr(['get', 'delete'])], 'dev', false)).toEqual(['cluster-rbac-changed']);
    expect(codesOf([], [crb], 'dev', false)).toEqual(['cluster-rbac-changed']);
    expect(codesOf([crb], [], 'dev', false)).toEqual(['cluster-rbac-changed']);
  });

  it('prod deletions are flagged only when Argo CD would delete them', () => {
    const cmap: K8sObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'ns' },
      data: {},
    };
    const run = (prune: boolean) =>
      diffManifests([cmap], [], {
        ...resolveConfig().diff,
        assessRisk: true,
        riskContext: { environment: 'prod', environments: ['dev', 'prod'], operational: true },
        syncPolicy: { application: 'x-prod', environment: 'prod', mode: 'automated', prune },
      })[0];
    expect(run(true).risks.map((r) => r.code)).toEqual(['object-removed']);
    expect(run(true).prune?.message).toBe('would be deleted: auto-prune in prod');
    expect(run(false).risks).toEqual([]);
    expect(run(false).prune?.outcome).toBe('stays');
    const kept = {
      ...cmap,
      metadata: { ...cmap.metadata, annotations: { 'argocd.argoproj.io/sync-options': 'Prune=false' } },
    };
    const r = diffManifests([kept], [], {
      ...resolveConfig().diff,
      assessRisk: true,
      syncPolicy: { application: 'x-prod', environment: 'prod', mode: 'automated', prune: true },
    })[0];
    expect(r.prune?.message).toBe('stays: Prune=false on the object (stays in prod)');
    expect(r.risks).toEqual([]);
  });
});
