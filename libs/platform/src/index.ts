/**
 * `@gitops/platform`: typed cdk8s constructs that encode the seeds' lessons as production-safe
 * defaults. One module per construct family.
 */
export * from './core';
export * from './images';
export * from './security';
export * from './scaling';
export * from './storage';
export * from './secrets';
export * from './workloads';
export * from './networking';
export * from './observability';
export * from './namespace';
export * from './values';
export * from './testing';
export * from './probes';
export * from './containers';
export * from './config-map';
