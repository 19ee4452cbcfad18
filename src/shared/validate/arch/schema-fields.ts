/**
 * Reads the address and size keys an arch_config schema lists, the way hvisor-tool's parse_arch_config
 * does on every arch: look each key up (CHECK_JSON_NULL refuses a missing required one), then
 * parse_json_linux_u64 each. What the values mean is left to the arch's reader.
 */
import type { ArchConfigField } from '../../model/arch/arch-config-schema';
import type { JsonObject } from '../json-reader';
import type { ZoneFieldReader } from './types';

/**
 * The numbers of `fields` (hex and number kinds) by key: every missing required key is reported, then the
 * values; undefined if anything failed. Optional keys that are absent are left out of the result.
 */
export function readSchemaNumbers(
  r: ZoneFieldReader,
  object: JsonObject,
  fields: readonly ArchConfigField[],
  missingMessage: (field: ArchConfigField) => string,
): Record<string, number> | undefined {
  const numeric = fields.filter((f) => f.kind === 'hex' || f.kind === 'number');
  const missing = numeric.filter((f) => f.required && r.item(object, f.key, 'arch_config') === undefined);
  for (const field of missing) r.error(`arch_config.${field.key}`, missingMessage(field));
  if (missing.length > 0) return undefined;
  const values: Record<string, number> = {};
  let ok = true;
  for (const field of numeric) {
    if (r.item(object, field.key, 'arch_config') === undefined) continue;
    const value = r.number(object, field.key, 'arch_config');
    if (value === undefined) ok = false;
    else values[field.key] = value;
  }
  return ok ? values : undefined;
}

/** "a, b and c". */
export function listKeys(keys: readonly string[]): string {
  return keys.length <= 1 ? (keys[0] ?? '') : `${keys.slice(0, -1).join(', ')} and ${keys[keys.length - 1]}`;
}
