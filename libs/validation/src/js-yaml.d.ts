// Minimal typings for js-yaml 4 (the package ships none).
declare module 'js-yaml' {
  export interface LoadOptions {
    filename?: string;
    json?: boolean;
    schema?: unknown;
  }
  export interface TypeOptions {
    kind: 'scalar' | 'sequence' | 'mapping';
    resolve?: (data: any) => boolean;
    /** Matches every tag starting with the type's tag (js-yaml 4 multi types). */
    multi?: boolean;
    construct?: (data: any) => unknown;
  }
  export class Type {
    constructor(tag: string, options: TypeOptions);
    readonly tag: string;
    resolve(data: unknown): boolean;
    construct(data: unknown): unknown;
  }
  export interface Schema {
    extend(definition: { implicit?: Type[]; explicit?: Type[] }): Schema;
  }
  export const CORE_SCHEMA: Schema;
  export const FAILSAFE_SCHEMA: Schema;
  export const types: Record<'merge' | 'omap' | 'pairs' | 'set' | 'binary' | 'timestamp', Type>;
  export function load(text: string, options?: LoadOptions): unknown;
  export function loadAll(text: string, iterator?: undefined, options?: LoadOptions): unknown[];
  export class YAMLException extends Error {
    reason: string;
    mark?: { line: number; column: number; position?: number; buffer?: string };
  }
}
