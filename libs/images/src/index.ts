/**
 * `@gitops/images`: images resolved against their real registries (OCI distribution API), the per-system
 * lock file the render reads, and promotion of locked images from one environment to the next.
 */
export * from './reference';
export * from './credentials';
export * from './registry-client';
export * from './resolve';
export * from './lock';
export * from './promote';
