/**
 * The reviewed allow-list: the only way to let a scanner finding or a plain `v1/Secret` through. It is a
 * file in the repository (`secrets-allowlist.yaml`, owned by the platform team in CODEOWNERS), so every
 * exemption is a reviewed change; an annotation on the object itself is not an exemption. Entries hold a
 * fingerprint of the value, never the value.
 *
 * ```yaml
 * entries:
 *   - rule: high-entropy                  # a scanner rule id, or no-plain-secret
 *     source: charts/billing/values.yaml  # the file (or apps/<system>/src/environments.ts) it was found in
 *     fingerprint: sha256:0a1b2c3d4e5f    # printed with the finding
 *     reason: a public OIDC client id, not a credential
 *     reviewedBy: "@platform-team"
 *   - rule: no-plain-secret
 *     resource: v1/Secret billing/webhook-ca   # apiVersion/Kind namespace/name
 *     reason: a CA bundle the webhook needs before External Secrets runs
 *     reviewedBy: "@platform-team"
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import type { SecretFinding } from './scanner';

export const ALLOWLIST_FILE = 'secrets-allowlist.yaml';

const entrySchema = z
  .object({
    rule: z.string().min(1),
    source: z.string().min(1).optional(),
    fingerprint: z
      .string()
      .regex(/^sha256:[0-9a-f]{12}$/, 'a fingerprint as printed with the finding (sha256:<12 hex>)')
      .optional(),
    resource: z.string().min(1).optional(),
    reason: z.string().trim().min(10, 'a reason of at least 10 characters'),
    reviewedBy: z.string().trim().min(2, 'who reviewed the exemption'),
  })
  .strict()
  .refine((e) => (e.rule === 'no-plain-secret' ? !!e.resource : !!e.fingerprint && !!e.source), {
    message: 'no-plain-secret entries name a resource; scanner entries name a source and a fingerprint',
  });

const fileSchema = z.object({ entries: z.array(entrySchema).default([]) }).strict();

export type AllowListEntry = z.infer<typeof entrySchema>;

/** A problem with the allow-list file itself (user-facing). */
export class AllowListError extends Error {
  override readonly name = 'ConfigError';
}

export interface AllowList {
  readonly entries: readonly AllowListEntry[];
  /** Is this finding exempted by a reviewed entry? */
  allows(f: SecretFinding): boolean;
  /** `apiVersion/Kind namespace/name` of the plain Secrets allowed. */
  readonly plainSecrets: readonly string[];
}

export function allowList(entries: readonly AllowListEntry[]): AllowList {
  return {
    entries,
    allows: (f) =>
      entries.some(
        (e) =>
          e.rule === f.rule && e.fingerprint === f.fingerprint && (e.source === f.source || e.source === '*'),
      ),
    plainSecrets: entries.filter((e) => e.rule === 'no-plain-secret').map((e) => e.resource!),
  };
}

/** Load `secrets-allowlist.yaml` from a workspace (an empty list when there is none). */
export function loadAllowList(workspace: string): AllowList {
  const file = join(workspace, ALLOWLIST_FILE);
  if (!existsSync(file)) return allowList([]);
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8')) ?? {};
  } catch (err: any) {
    throw new AllowListError(`${ALLOWLIST_FILE}: not valid YAML: ${String(err?.message).split('\n')[0]}`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new AllowListError(
      `${ALLOWLIST_FILE}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  return allowList(parsed.data.entries);
}
