/**
 * What an architecture's arch_config reader and checks get from the shared zone JSON reader and zone
 * checks: the field readers (hvisor-tool's number rules, case-insensitive keys) and a place to put
 * findings. The readers themselves live in arch/<arch>/, reached through arch/registry.ts.
 */
import type { Board, BoardArch, MemoryRegion } from '../../model/board';
import type { ArchConfigOf, ZoneConfig } from '../../model/zone-config';
import type { JsonObject } from '../json-reader';

export type Width = 'u64' | 'u32' | 'u8';

/** The zone JSON reader's field readers; each reports its own findings at the path it is given. */
export interface ZoneFieldReader {
  readonly file: string;
  error(path: string, message: string): undefined;
  warning(path: string, message: string): void;
  /** cJSON_GetObjectItem: the value of `key`, matched regardless of ASCII case (warning when the case differs). */
  item(object: JsonObject, key: string, path: string): unknown;
  /** Warns about keys not in `known`. */
  unknownKeys(object: JsonObject, path: string, known: readonly string[]): void;
  /** parse_json_linux_u64/u32/u8 of a present key (an error when missing). */
  number(object: JsonObject, key: string, path: string, width?: Width): number | undefined;
  numberValue(value: unknown, path: string, width: Width): number | undefined;
  object(value: unknown, path: string): JsonObject | undefined;
}

export interface FindingSink {
  error(path: string, message: string): void;
  warning(path: string, message: string): void;
}

export interface ArchConfigValidator<A extends BoardArch = BoardArch> {
  /** hvisor sets up a zone's ivc_configs on this architecture (only aarch64's ivc.rs does). */
  readonly ivc: boolean;
  /**
   * Reads the zone JSON's arch_config as hvisor-tool built for this arch does. `value` is the
   * arch_config item, undefined when the file has none.
   */
  read(r: ZoneFieldReader, value: unknown): ArchConfigOf<A> | undefined;
  /** Why the file needs a later hvisor-tool than v0.4's (0x06), from its arch_config; undefined if nothing says so. */
  laterTool?(value: JsonObject): string | undefined;
  /** Checks of the zone's arch_config against the board (hvisor's panics and traps). */
  check(zone: ZoneConfig, board: Board, out: FindingSink): void;
  /**
   * Why a virtio device's interrupt, injected into `zone` as a virtual IRQ (hvisor's inject_irq on this
   * architecture), would not reach its guest; undefined when it would.
   */
  virtioIrq?(zone: ZoneConfig, irq: number, board: Board): VirtioIrqProblem | undefined;
  /**
   * The guest-physical address the zone's first instruction is fetched from, where the architecture's
   * entry_point is not one (loongarch64: a direct-mapped-window address, fetched in direct address mode).
   * Absent: entry_point is guest-physical.
   */
  entryGuestPhysical?(entry: number): number;
  /**
   * Why two zones' overlapping regions are shared on purpose the way hvisor's own configs for this
   * architecture share them (a warning then, not an error); undefined, or absent, where the overlap is a
   * layout mistake. Never asked about a non-root zone's RAM inside the root's (always a warning).
   */
  sharedRegion?(mine: MemoryRegion, theirs: MemoryRegion): string | undefined;
  /** Why an IVC doorbell `irq` rung for `zone` would not reach its guest (completes "doorbell IRQ <n> ..."); undefined when it would. */
  ivcDoorbell?(zone: ZoneConfig, irq: number, board: Board): string | undefined;
}

export interface VirtioIrqProblem {
  readonly severity: 'error' | 'warning';
  /** Completes "IRQ <n> ...". */
  readonly message: string;
}
