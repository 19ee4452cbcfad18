/**
 * Numbers as hvisor's tools accept them in JSON: a JSON number, or a string in hex (0x...), octal
 * (leading 0) or decimal form. Values beyond 2^53 are refused rather than rounded.
 */
export function parseConfigNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  let parsed: bigint;
  try {
    if (/^0[xX][0-9a-fA-F]+$/.test(text)) parsed = BigInt(text);
    else if (/^0[0-7]+$/.test(text)) parsed = BigInt('0o' + text.slice(1));
    else if (/^(0|[1-9][0-9]*)$/.test(text)) parsed = BigInt(text);
    else return undefined;
  } catch {
    return undefined;
  }
  return parsed <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(parsed) : undefined;
}
