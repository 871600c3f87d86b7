/**
 * The render pipeline: system definition → values per environment → cdk8s synthesis →
 * Helm chart and Kustomize overlay → validation → write.
 */
export * from './system';
export * from './registry';
