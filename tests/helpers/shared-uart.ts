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
