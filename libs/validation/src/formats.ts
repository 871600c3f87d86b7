/**
 * String formats as kubeconform v0.7 asserts them: santhosh-tekuri/jsonschema v6 asserts `format` for
 * draft-4 schemas (kubeconform's default draft, so for every schema without `$schema`), with its own
 * calendar-checked RFC 3339 parsers, plus kubeconform's `duration` (Go durations or ISO 8601). Formats
 * v6 does not know (`int32`, `int64`, `byte`, `double`, `int-or-string`, …) are annotations only.
 * Each check returns null when valid, else v6's reason (`… is not valid date-time: <reason>`).
 */
type Check = (s: string) => string | null;

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Go's time.Parse("2006-01-02", s), as far as its error wording goes. */
function date(s: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m)
    return `parsing time ${JSON.stringify(s)} as "2006-01-02": cannot parse ${JSON.stringify(s)} as "2006-01-02"`;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12) return `parsing time ${JSON.stringify(s)}: month out of range`;
  const max = mo === 2 && leap(y) ? 29 : DAYS[mo - 1];
  if (d < 1 || d > max) return `parsing time ${JSON.stringify(s)}: day out of range`;
  return null;
}

function time(str: string): string | null {
  if (str.length < 9) return 'less than 9 characters long';
  if (str[2] !== ':' || str[5] !== ':') return 'missing colon in correct place';
  const hms: number[] = [];
  for (const tok of str.slice(0, 8).split(':')) {
    if (!/^[+-]?\d+$/.test(tok)) return 'invalid hour/min/sec';
    const i = Number(tok);
    if (i < 0) return 'non-positive hour/min/sec';
    hms.push(i);
  }
  const [h, m, sec] = hms;
  if (h > 23 || m > 59 || sec > 60) return 'hour/min/sec out of range';
  let rest = str.slice(8);
  if (rest.startsWith('.')) {
    const digits = /^\d*/.exec(rest.slice(1))![0].length;
    if (digits === 0) return 'no digits in second fraction';
    rest = rest.slice(1 + digits);
  }
  let zh = 0;
  let zm = 0;
  let sign = 0;
  if (rest !== 'z' && rest !== 'Z') {
    if (rest.length !== 6) return 'offset must be 6 characters long';
    if (rest[0] === '+') sign = -1;
    else if (rest[0] === '-') sign = 1;
    else return 'offset must begin with plus/minus';
    if (rest[3] !== ':') return 'missing colon in offset';
    if (!/^\d\d$/.test(rest.slice(1, 3)) || !/^\d\d$/.test(rest.slice(4, 6)))
      return 'invalid hour/min in offset';
    zh = Number(rest.slice(1, 3));
    zm = Number(rest.slice(4, 6));
    if (zh > 23 || zm > 59) return 'hour/min in offset out of range';
  }
  if (sec === 60) {
    // a leap second is only valid at 23:59:60 UTC
    let hh = h;
    let mm = m + sign * zm;
    hh += sign * zh + Math.floor(mm / 60);
    mm = ((mm % 60) + 60) % 60;
    hh = ((hh % 24) + 24) % 24;
    if (!(hh === 23 && mm === 59)) return 'invalid leap second';
  }
  return null;
}

function dateTime(s: string): string | null {
  if (s.length < 20) return 'less than 20 characters long';
  if (s[10] !== 't' && s[10] !== 'T') return '11th character must be t or T';
  const d = date(s.slice(0, 10));
  if (d) return `invalid date element: ${d}`;
  const t = time(s.slice(11));
  if (t) return `invalid time element: ${t}`;
  return null;
}

/** Go's time.ParseDuration acceptance. */
const GO_DURATION = /^[-+]?(?:0|(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/;

/** kubeconform's validateDuration: a Go duration, else an ISO 8601 duration. */
function duration(s: string): string | null {
  if (GO_DURATION.test(s)) return null;
  if (!s.startsWith('P')) return 'must start with P';
  let rest = s.slice(1);
  if (rest === '') return 'nothing after P';
  if (rest.endsWith('W')) {
    const w = rest.slice(0, -1);
    if (w === '') return 'no number in week';
    return /^\d+$/.test(w) ? null : 'invalid week';
  }
  const all = ['YMD', 'HMS'];
  const parts = rest.split('T');
  for (let i = 0; i < parts.length; i++) {
    let p = parts[i];
    if (i !== 0 && p === '') return 'no time elements';
    if (i >= all.length) return 'more than one T';
    let units = all[i];
    while (p !== '') {
      const digits = /^\d*/.exec(p)![0].length;
      if (digits === 0) return 'missing number';
      p = p.slice(digits);
      if (p === '') return 'missing unit';
      const unit = p[0];
      const j = units.indexOf(unit);
      if (j === -1) return all[i].includes(unit) ? `unit '${unit}' out of order` : `invalid unit '${unit}'`;
      units = units.slice(j + 1);
      p = p.slice(1);
    }
  }
  rest = '';
  return null;
}

function uuid(s: string): string | null {
  const groups = s.split('-');
  const lens = [8, 4, 4, 4, 12];
  if (groups.length !== 5) return 'must have 5 elements';
  for (let i = 0; i < 5; i++) {
    if (groups[i].length !== lens[i]) return `element ${i + 1} must be ${lens[i]} characters long`;
    const bad = /[^0-9a-fA-F]/.exec(groups[i]);
    if (bad) return `non-hex character '${bad[0]}'`;
  }
  return null;
}

function ipv4(s: string): string | null {
  const groups = s.split('.');
  if (groups.length !== 4) return 'expected four decimals';
  for (const g of groups) {
    if (!/^\d{1,3}$/.test(g) || Number(g) > 255) return `invalid decimal ${JSON.stringify(g)}`;
    if (g.length > 1 && g.startsWith('0')) return 'leading zeros not allowed';
  }
  return null;
}

function ipv6(s: string): string | null {
  if (!s.includes(':')) return 'missing colon';
  // Go's netip.ParseAddr accepts exactly RFC 4291 text forms (with an optional IPv4 tail, no zone here).
  const ok =
    /^(([0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}|(([0-9a-fA-F]{1,4}:){0,7}[0-9a-fA-F]{1,4})?::(([0-9a-fA-F]{1,4}:){0,7}[0-9a-fA-F]{1,4})?|(([0-9a-fA-F]{1,4}:){6}|(([0-9a-fA-F]{1,4}:){0,5}[0-9a-fA-F]{1,4})?::(([0-9a-fA-F]{1,4}:){0,5})?)\d{1,3}(\.\d{1,3}){3})$/.test(
      s,
    );
  if (!ok) return `ParseAddr(${JSON.stringify(s)}): invalid IP address`;
  const groups = s
    .replace(/\d{1,3}(\.\d{1,3}){3}$/, '0:0')
    .split(':')
    .filter((g) => g !== '');
  if (!s.includes('::') && groups.length !== 8) return `ParseAddr(${JSON.stringify(s)}): invalid IP address`;
  if (s.includes('::') && (groups.length > 7 || s.indexOf('::') !== s.lastIndexOf('::')))
    return `ParseAddr(${JSON.stringify(s)}): invalid IP address`;
  return null;
}

function hostname(s: string): string | null {
  let h = s.endsWith('.') ? s.slice(0, -1) : s;
  if (h.length > 253) return 'more than 253 characters long';
  for (const label of h.split('.')) {
    if (label.length < 1 || label.length > 63) return 'label must be 1 to 63 characters long';
    if (label.startsWith('-')) return `label ${JSON.stringify(label)} starts with hyphen`;
    if (label.endsWith('-')) return `label ${JSON.stringify(label)} ends with hyphen`;
    const bad = /[^a-zA-Z0-9-]/.exec(label);
    if (bad) return `invalid character ${JSON.stringify(bad[0]).replace(/"/g, "'")}`;
  }
  h = '';
  return null;
}

function email(s: string): string | null {
  if (s.length > 254) return 'more than 255 characters long';
  const at = s.lastIndexOf('@');
  if (at === -1) return 'missing @';
  const local = s.slice(0, at);
  const domain = s.slice(at + 1);
  if (local.length > 64) return 'local part more than 64 characters long';
  if (local.startsWith('"') && local.endsWith('"') && local.length > 1) {
    // quoted local part: anything goes
  } else {
    if (local.startsWith('.')) return 'starts with dot';
    if (local.endsWith('.')) return 'ends with dot';
    if (local.includes('..')) return 'consecutive dots';
    const bad = /[^a-zA-Z0-9!#$%&'*+\-/=?^_`{|}~.]/.exec(local);
    if (bad) return `invalid character '${bad[0]}'`;
  }
  if (domain.startsWith('[') && domain.endsWith(']')) {
    const ip = domain.slice(1, -1);
    if (ip.startsWith('IPv6:')) return ipv6(ip.slice(5)) ? 'invalid ipv6 address' : null;
    return ipv4(ip) ? 'invalid ipv4 address' : null;
  }
  return hostname(domain) ? `invalid domain: ${hostname(domain)}` : null;
}

export const FORMAT_CHECKS: Readonly<Record<string, Check>> = {
  'date-time': dateTime,
  date: (s) => date(s),
  time,
  duration,
  uuid,
  ipv4,
  ipv6,
  hostname,
  email,
};

/** ajv `formats` option with the same semantics (true = valid). */
export const AJV_FORMATS: Record<string, { type: 'string'; validate: (s: string) => boolean }> =
  Object.fromEntries(
    Object.entries(FORMAT_CHECKS).map(([name, check]) => [
      name,
      { type: 'string', validate: (s: string) => check(s) === null },
    ]),
  );
