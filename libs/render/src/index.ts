/**
 * The render pipeline: system definition → values per environment → cdk8s synthesis →
 * Helm chart and Kustomize overlay → validation → write.
 */
export * from './system';
export * from './registry';
export * from './image-lock';
export * from './hooks';
export * from './values-index';
export * from './template-inference';
export * from './emit-chart';
export * from './emit-overlay';
export * from './pipeline';
export * from './parity';
export * from './outputs';
export * from './ownership';
export * from './yaml-text';
export * from './chart-guards';
export * from './chart-interface';
export * from './template-eval';
export * from './chart-schema';
export * from './chart-version';
export * from './render-pool';
