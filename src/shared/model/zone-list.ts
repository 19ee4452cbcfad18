/**
 * The text hvisor-tool prints for `hvisor zone list` (tools/hvisor.c: a printf header and one
 * printf row per zone), and its messages for failed ioctls (`perror`). hvisor's own system tests
 * compare this text, so it is reproduced character for character.
 */
import type { ZoneListEntry } from '../protocol/zones';

function pad(text: string, width: number): string {
  return text.length >= width ? text : ' '.repeat(width - text.length) + text;
}

export function formatZoneList(zones: readonly ZoneListEntry[]): string {
  const lines = [`| ${pad('zone_id', 11)}     | ${pad('cpus', 10)}        | ${pad('name', 9)}       | ${pad('status', 10)} |`];
  for (const zone of zones) {
    const cpus = zone.cpus.length > 0 ? zone.cpus.join(', ') : 'none';
    lines.push(`| ${pad(String(zone.zoneId), 15)} | ${pad(cpus, 17)} | ${pad(zone.name, 15)} | ${pad(zone.status, 10)} |`);
  }
  return lines.join('\n') + '\n';
}

/** strerror() texts of the errno values hvisor returns, as glibc prints them. */
const STRERROR: Record<number, string> = {
  1: 'Operation not permitted',
  2: 'No such file or directory',
  5: 'Input/output error',
  12: 'Cannot allocate memory',
  14: 'Bad address',
  16: 'Device or resource busy',
  17: 'File exists',
  19: 'No such device',
  22: 'Invalid argument',
  34: 'Numerical result out of range',
  38: 'Function not implemented',
};

/** What hvisor-tool's `perror("<what>: ioctl failed")` prints for a hypercall that returned -errno. */
export function ioctlFailure(what: string, code: number): string {
  const errno = Math.abs(code);
  return `${what}: ioctl failed: ${STRERROR[errno] ?? `Unknown error ${errno}`}`;
}
