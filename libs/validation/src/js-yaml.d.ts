// Minimal typings for js-yaml 4 (the package ships none).
declare module 'js-yaml' {
  export interface LoadOptions {
    filename?: string;
    json?: boolean;
    schema?: unknown;
  }
  export const CORE_SCHEMA: unknown;
  export function load(text: string, options?: LoadOptions): unknown;
  export function loadAll(text: string, iterator?: undefined, options?: LoadOptions): unknown[];
  export class YAMLException extends Error {
    reason: string;
    mark?: { line: number; column: number };
  }
}
