/**
 * YAML text that every consumer reads the same way. Helm reads values and rendered templates with a
 * YAML 1.1 parser whose integers follow Go's `strconv` (so `on`, `0_1`, `0x1F`, `0o17`, `1e3` are not
 * strings there), while Kustomize and this platform read YAML 1.2. Strings that any of them could
 * read as something else are double-quoted.
 */
import { Document, isScalar, visit } from 'yaml';

/** Plain strings a YAML 1.1 or Go-number-aware parser would not read as strings. */
const NUMBER_LIKE = /^[-+]?\.?[0-9][0-9a-fA-FxXoObB_.eE+-]*$/;
const YAML11_WORDS =
  /^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$/;

export function isAmbiguousScalar(s: string): boolean {
  return (
    s === '' || NUMBER_LIKE.test(s) || YAML11_WORDS.test(s) || /^[0-9]+(:[0-5]?[0-9])+(\.[0-9]*)?$/.test(s)
  );
}

/** Serialize a value as block YAML, quoting ambiguous strings. */
export function toYaml(value: unknown): string {
  const doc = new Document(value, { version: '1.1', aliasDuplicateObjects: false });
  visit(doc, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === 'string' && isAmbiguousScalar(node.value))
        node.type = 'QUOTE_DOUBLE';
    },
  });
  return doc.toString({ lineWidth: 0 });
}
