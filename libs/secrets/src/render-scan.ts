/**
 * The render-time gate: every value of every system (defaults and each environment) and every file a
 * render would write is scanned before anything is written. A finding not exempted by the reviewed
 * allow-list refuses the render; the message names file, environment and field, and redacts the secret.
 */
import type { AllowList } from './allowlist';
import { formatFindings, scanText, scanValue, type SecretFinding } from './scanner';

export interface RenderScanInput {
  /** One entry per system × values label: `source` is the file the values come from. */
  readonly values: readonly { readonly source: string; readonly label: string; readonly value: unknown }[];
  /** Repository-relative path → content of every file the render writes. */
  readonly files: ReadonlyMap<string, string>;
}

/** A render refused because of secret material (user-facing: exit 1, nothing written). */
export class SecretsFoundError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    readonly findings: readonly SecretFinding[],
  ) {
    super(message);
  }
}

/** Findings in a render's values and files that the allow-list does not exempt (plain Secret objects are the policy's). */
export function scanRender(input: RenderScanInput, allow?: AllowList): SecretFinding[] {
  const out: SecretFinding[] = [];
  const seen = new Map<string, SecretFinding & { labels: string[] }>();
  for (const v of input.values) {
    for (const f of scanValue(v.value, v.source)) {
      if (allow?.allows(f)) continue;
      const k = `${f.source}\0${f.path}\0${f.rule}\0${f.fingerprint}`;
      const prev = seen.get(k);
      if (prev) prev.labels.push(v.label);
      else seen.set(k, { ...f, labels: [v.label] });
    }
  }
  for (const f of seen.values()) {
    const { labels, ...rest } = f;
    out.push({ ...rest, source: `${f.source} (${labels.join(', ')})` });
  }
  for (const [path, content] of input.files) {
    for (const f of scanText(content, path)) {
      if (f.rule === 'plain-secret') continue; // the no-plain-secret policy, with its allow-list entries
      if (!allow?.allows(f)) out.push(f);
    }
  }
  return out;
}

/** Throw {@link SecretsFoundError} when the render holds secret material. */
export function assertNoSecrets(input: RenderScanInput, allow?: AllowList): void {
  const findings = scanRender(input, allow);
  if (!findings.length) return;
  throw new SecretsFoundError(
    `secret material in ${findings.length} place(s); nothing was written (values and outputs are committed to git):\n` +
      formatFindings(findings)
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n') +
      '\nKeep credentials in the secret store and reference them (ExternalSecret, secretKeyRef). A finding that is ' +
      'not a secret can be exempted by a reviewed entry in secrets-allowlist.yaml (rule, source, fingerprint, reason, reviewedBy).',
    findings,
  );
}
