/**
 * The deployment environments, as data: what every system deployed to `dev`, `prod` or
 * `mini-corp` can rely on. A system's own per-environment values live in its `apps/<system>/src/environments.ts`
 * and build on these traits.
 */
export * from './environments';
export * from './schemas';
export * from './addons';
export * from './clusters';
