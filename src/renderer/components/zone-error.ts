/**
 * Reads the fields out of a zone's error text (ZoneSnapshot.error) so that the sidebar and the
 * banner can show them as a report. The text is what the hypervisor writes for `zone list` and the
 * terminal (core/hypervisor/zone-vcpu.ts describeFault):
 *   zone 1 (zoneU), hart 2, pc 0x88000104: <what happened>; 4-byte write at guest address 0x90001000; nearest region: ram 0x88000000-0x88ffffff
 * Any other text (a machine fault, a future format) is kept whole in `message`.
 */

export interface ZoneErrorReport {
  readonly zone?: string;
  readonly hart?: number;
  readonly pc?: string;
  readonly message: string;
  /** "4-byte write at guest address 0x…", as written. */
  readonly access?: string;
  readonly address?: string;
  readonly region?: string;
}

const HEAD = /^zone (\d+ \([^)]*\)), hart (\d+), pc (0x[0-9a-f]+): (.*)$/is;
const ACCESS = /; ((?:\d+-byte )?(?:write|access|read|fetch) at guest address (0x[0-9a-f]+))(?=;|$)/i;
const REGION = /; nearest region: ([^;]+)$/i;

export function parseZoneError(text: string): ZoneErrorReport {
  let rest = text.trim();
  const region = REGION.exec(rest);
  if (region) rest = rest.slice(0, region.index);
  const access = ACCESS.exec(rest);
  if (access) rest = rest.slice(0, access.index) + rest.slice(access.index + access[0].length);
  const head = HEAD.exec(rest);
  return {
    ...(head ? { zone: head[1], hart: Number(head[2]), pc: head[3] } : {}),
    message: head ? head[4]!.trim() : rest,
    ...(access ? { access: access[1], address: access[2] } : {}),
    ...(region ? { region: region[1]!.trim() } : {}),
  };
}
