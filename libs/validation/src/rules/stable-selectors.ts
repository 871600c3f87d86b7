/**
 * `stable-selectors`: selectors and pod labels never use labels a library derives from the construct
 * path — cdk8s-plus-28 selects its pods with `cdk8s.io/metadata.addr: <path hash>` unless told
 * otherwise. Renaming or moving the construct changes the hash; a Deployment's selector is immutable,
 * so the next sync fails ("field is immutable") or, with Replace, every pod is recreated at once; and a
 * Service silently loses its endpoints in between. Select on `app.kubernetes.io/{name,instance,component}`
 * instead (platform constructs do; for cdk8s-plus, pass `select: false` and add the labels with
 * `deployment.select(...)`/`podMetadata.addLabel(...)`).
 */
import type { Finding, PolicyRule } from '../policy';
import { describe, finding, pointerToken } from './util';

/** Label keys that encode a construct path rather than an identity. */
export const GENERATED_LABEL_KEYS: readonly string[] = ['cdk8s.io/metadata.addr'];

export const stableSelectors: PolicyRule = {
  id: 'stable-selectors',
  title: 'Selectors use stable identity labels, not construct-path hashes',
  description:
    'No Deployment/StatefulSet/DaemonSet/ReplicaSet/Job selector, pod template label, Service selector, PodDisruptionBudget or NetworkPolicy selector uses cdk8s.io/metadata.addr (the cdk8s-plus default derived from the construct path): a refactor changes it, and a workload selector is immutable. Select on app.kubernetes.io/* labels.',
  check(ix) {
    const out: Finding[] = [];
    const flag = (o: any, base: string, labels: Record<string, unknown> | undefined, what: string) => {
      for (const k of Object.keys(labels ?? {})) {
        if (!GENERATED_LABEL_KEYS.includes(k)) continue;
        out.push(
          finding(
            o,
            `${base}/${pointerToken(k)}`,
            `${describe(o)}: ${what} uses ${k}, a hash of the construct path (the cdk8s-plus default): renaming the construct changes it and the immutable selector breaks the next sync; select on app.kubernetes.io/name, instance and component (cdk8s-plus: select: false, then select(...) those labels)`,
          ),
        );
      }
    };
    for (const o of ix.objects) {
      switch (o.kind) {
        case 'Deployment':
        case 'StatefulSet':
        case 'DaemonSet':
        case 'ReplicaSet':
          flag(o, '/spec/selector/matchLabels', o.spec?.selector?.matchLabels, 'the selector');
          flag(o, '/spec/template/metadata/labels', o.spec?.template?.metadata?.labels, 'the pod template');
          break;
        case 'Service':
          flag(o, '/spec/selector', o.spec?.selector, 'the selector');
          break;
        case 'PodDisruptionBudget':
          flag(o, '/spec/selector/matchLabels', o.spec?.selector?.matchLabels, 'the selector');
          break;
        case 'NetworkPolicy':
          flag(o, '/spec/podSelector/matchLabels', o.spec?.podSelector?.matchLabels, 'the pod selector');
          break;
      }
    }
    return out;
  },
};
