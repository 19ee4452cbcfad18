/**
 * Zones that share one UART (hvisor's loongarch64 configs give every zone UART0) write it from their own
 * CPU threads, so their characters interleave. `interleaves(text, a, b)` says whether `text` is exactly an
 * interleaving of the two streams `a` and `b`, each character of either kept in order; `?` in a stream
 * stands for one lowercase hex digit (a pc, an address). Every character of `text` must be accounted for,
 * so a wrong digit, a missing line or an extra character fails.
 */
function same(pattern: string, c: string): boolean {
  return pattern === '?' ? /[0-9a-f]/.test(c) : pattern === c;
}

export function interleaves(text: string, a: string, b: string): boolean {
  if (text.length !== a.length + b.length) return false;
  // reach[j] after row i: text[0, i + j) is an interleaving of a[0, i) and b[0, j).
  let reach = new Uint8Array(b.length + 1);
  reach[0] = 1;
  for (let j = 1; j <= b.length; j++) reach[j] = reach[j - 1]! && same(b[j - 1]!, text[j - 1]!) ? 1 : 0;
  for (let i = 1; i <= a.length; i++) {
    const next = new Uint8Array(b.length + 1);
    next[0] = reach[0]! && same(a[i - 1]!, text[i - 1]!) ? 1 : 0;
    for (let j = 1; j <= b.length; j++) {
      const c = text[i + j - 1]!;
      next[j] = (reach[j]! && same(a[i - 1]!, c)) || (next[j - 1]! && same(b[j - 1]!, c)) ? 1 : 0;
    }
    reach = next;
  }
  return reach[b.length] === 1;
}

/** What the root of examples/loongarch64-zones prints from the zone start's result to its first prompt. */
const LA64_ROOT_BOOT = [
  '0',
  'root: zone list: hypercall 4 -> 2',
  '  zone 0 cpus 0x1 root-linux-la64 running',
  '  zone 1 cpus 0x2 zoneU running',
  'root: keys: l = zone list, x = shut down zone 1, s = start zoneU, i = start zoneX (leaves its IOCSR window), m = start zoneY (leaves its RAM), h = this help',
  'root> ',
].join('\r\n');

/** What zoneU prints on the same UART once started: its entry (hvisor's 0x9000_0000_c000_0000 style), IOCSR, its IPI. */
const LA64_ZONEU_BOOT = [
  'zoneU: CPU 0 up at pc 0x90000000c00000??, CRMD 0x8',
  'zoneU: IOCSR CPU name: 3A5000',
  'zoneU: IPI to CPU 0 (itself) -> IPI_STATUS 0x1',
  'zoneU: done, idle',
  '',
].join('\r\n');

const LA64_ZONE_START = /root: zone start zoneU \(id 1\): image 8192 bytes, hypercall 2 \(config 0x2[0-9a-f]{5}, 3056 bytes\) -> /;

/**
 * Whether examples/loongarch64-zones has booted as it should: the root started zoneU (hypercall 2 -> 0),
 * listed both zones and shows its prompt, and zoneU came up and went idle, the two streams' characters in
 * any interleaving (they share UART0) and nothing else after the zone start line.
 */
export function la64ZonesBooted(text: string): boolean {
  return zoneUStartedWith(text, LA64_ROOT_BOOT);
}

/** Whether, after the root's zone start line, `text` is exactly `root` interleaved with zoneU's boot output. */
function zoneUStartedWith(text: string, root: string): boolean {
  const start = LA64_ZONE_START.exec(text);
  return start !== null && interleaves(text.slice(start.index + start[0].length), root, LA64_ZONEU_BOOT);
}

/**
 * Whether `text` (the root's UART from the 's' key on) shows zoneU started again: the zone start line, then
 * hypercall 2's result and the prompt interleaved with zoneU's whole boot output, and nothing else.
 */
export function la64ZoneURestarted(text: string): boolean {
  return zoneUStartedWith(text, '0\r\nroot> ');
}
