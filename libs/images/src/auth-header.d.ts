/** Types for `auth-header` (RFC 7235 Authorization / WWW-Authenticate parsing), which ships none. */
declare module 'auth-header' {
  export interface Challenge {
    scheme: string;
    token: string | null;
    params: Record<string, string | string[]>;
  }
  export function parse(header: string): Challenge;
  export function format(
    scheme: string,
    token?: string | null,
    params?: Record<string, string | string[]>,
  ): string;
}
