/**
 * Package version comparison as rpm and dpkg do it (not string order: "1.10" > "1.9", "1:1.0" >
 * "2.0", "1.0~rc1" < "1.0"), and one printed form for both sides of a pending update.
 */

/** rpm's rpmvercmp: alternating numeric and alphabetic segments; "~" sorts before anything, "^" after the end only. */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < a.length && !/[A-Za-z0-9~^]/.test(a[i]!)) i++;
    while (j < b.length && !/[A-Za-z0-9~^]/.test(b[j]!)) j++;
    if (a[i] === '~' || b[j] === '~') {
      if (a[i] !== '~') return 1;
      if (b[j] !== '~') return -1;
      i++;
      j++;
      continue;
    }
    if (a[i] === '^' || b[j] === '^') {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== '^') return 1;
      if (b[j] !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (i >= a.length || j >= b.length) break;
    const numeric = /[0-9]/.test(a[i]!);
    const re = numeric ? /^[0-9]+/ : /^[A-Za-z]+/;
    const sa = re.exec(a.slice(i))?.[0] ?? '';
    const sb = re.exec(b.slice(j))?.[0] ?? '';
    // A numeric segment is newer than an alphabetic one.
    if (!sb) return numeric ? 1 : -1;
    i += sa.length;
    j += sb.length;
    if (numeric) {
      const na = sa.replace(/^0+/, '');
      const nb = sb.replace(/^0+/, '');
      if (na.length !== nb.length) return na.length > nb.length ? 1 : -1;
      if (na !== nb) return na > nb ? 1 : -1;
    } else if (sa !== sb) return sa > sb ? 1 : -1;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

/** "[epoch:]version[-release]" → parts; a missing epoch is 0. */
function evr(s: string): { epoch: number; version: string; release: string } {
  const m = /^(?:(\d+):)?(.*?)(?:-([^-]*))?$/.exec(s.trim())!;
  return { epoch: Number(m[1] ?? 0), version: m[2] ?? '', release: m[3] ?? '' };
}

/** rpm's EVR comparison. */
export function compareRpm(a: string, b: string): number {
  const x = evr(a);
  const y = evr(b);
  return Math.sign(x.epoch - y.epoch) || rpmvercmp(x.version, y.version) || rpmvercmp(x.release, y.release);
}

/** dpkg's order of one character: "~" first, then the end of the part, then letters, then everything else. */
const dpkgOrder = (c: string | undefined): number => (c === undefined ? 0 : c === '~' ? -1 : /[A-Za-z]/.test(c) ? c.charCodeAt(0) : c.charCodeAt(0) + 256);

function dpkgPart(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let first = 0;
    while ((i < a.length && !/[0-9]/.test(a[i]!)) || (j < b.length && !/[0-9]/.test(b[j]!))) {
      const ac = i < a.length && !/[0-9]/.test(a[i]!) ? a[i] : undefined;
      const bc = j < b.length && !/[0-9]/.test(b[j]!) ? b[j] : undefined;
      const d = dpkgOrder(ac) - dpkgOrder(bc);
      if (d) return Math.sign(d);
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    while (i < a.length && j < b.length && /[0-9]/.test(a[i]!) && /[0-9]/.test(b[j]!)) {
      if (!first) first = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < a.length && /[0-9]/.test(a[i]!)) return 1;
    if (j < b.length && /[0-9]/.test(b[j]!)) return -1;
    if (first) return Math.sign(first);
  }
  return 0;
}

/** `dpkg --compare-versions` order: epoch, upstream version, Debian revision (split at the last hyphen). */
export function compareDpkg(a: string, b: string): number {
  const x = evr(a);
  const y = evr(b);
  return Math.sign(x.epoch - y.epoch) || dpkgPart(x.version, y.version) || dpkgPart(x.release, y.release);
}

/** One printed form: the epoch only when it is not 0 (as `yum check-update` and apt print it). */
export function rpmEvr(epoch: string | null, versionRelease: string): string {
  const e = epoch?.trim();
  return e && /^\d+$/.test(e) && e !== '0' ? `${e}:${versionRelease}` : versionRelease;
}
