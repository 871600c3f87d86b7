/**
 * Policy rules kept one per file, each with its documentation and tests (like kube-linter's checks).
 * They run on the rendered objects, whatever built them: platform constructs, cdk8s-plus-28 L2
 * constructs or plain cdk8s L1 objects.
 */
import type { PolicyRule } from '../policy';
import { execNeedsBinary } from './exec-needs-binary';
import { limitRangeBounds } from './limitrange-bounds';
import { prodServiceExposure } from './prod-service-exposure';
import { pullPolicyPinned } from './pull-policy';
import { quotaMaxScale } from './quota-max-scale';
import { runAsNonRootUid } from './run-as-non-root-uid';
import { stableSelectors } from './stable-selectors';

export { IMAGE_BINARIES_ANNOTATION, parseImageBinaries } from './exec-needs-binary';
export { KNOWN_NON_ROOT_IMAGES, knownImageUser } from './run-as-non-root-uid';
export { GENERATED_LABEL_KEYS } from './stable-selectors';
export { podsAtMaxScale, podResources } from './quota-max-scale';

/** The rules of this folder, in report order. */
export const FILE_RULES: readonly PolicyRule[] = [
  limitRangeBounds,
  quotaMaxScale,
  runAsNonRootUid,
  prodServiceExposure,
  execNeedsBinary,
  stableSelectors,
  pullPolicyPinned,
];
