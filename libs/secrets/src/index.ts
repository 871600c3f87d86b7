/**
 * Secret detection for everything the platform writes or prints: rendered outputs, values, validation
 * reports, diff previews, logs. Rules are data (`rules.json`); exemptions only through the reviewed
 * allow-list file.
 */
export * from './scanner';
export * from './allowlist';
export * from './render-scan';
