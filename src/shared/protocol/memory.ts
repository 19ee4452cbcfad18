/**
 * The memory and translation views' protocol (issue 12): a zone's bytes by guest-virtual (through a vCPU's
 * stage-1), guest-physical or host-physical address, written only while the zone is paused; a translation
 * walk as data (each stage-1 level's entry with its bits by the ISA's names, then the stage-2 region); and
 * the zone's live stage-2 map. Nothing here names an ISA: the words come with the data.
 *
 * Addresses and 64-bit values travel as "0x" hex strings; bytes as a hex string, two digits per byte.
 */
import type { RegisterFieldValue } from './inspect';

/** gva: guest-virtual through a vCPU's stage 1; gpa: guest-physical; hpa: the board's physical address. */
export type AddressView = 'gva' | 'gpa' | 'hpa';

export interface Stage2RegionData {
  readonly kind: 'ram' | 'io' | 'virtio' | 'trapped';
  readonly guestStart: string;
  readonly size: string;
  /** Host-physical start (null: emulated, nothing mapped behind it). */
  readonly hostStart: string | null;
  /** "rwx", "rw-", "r--", "rw- (I/O)", "emulated". */
  readonly access: string;
  /** Where the entry comes from ("zone config", "IVC section", "vPLIC", "vGICv3", "virtio-mmio (root's daemon)"). */
  readonly source: string;
}

export interface Stage2MapState {
  readonly zone: number;
  readonly name: string;
  /** Run-time changes applied since the zone started (the stage-2 change log's generation). */
  readonly changes: number;
  readonly regions: readonly Stage2RegionData[];
}

export interface MemoryReadParams {
  readonly zone: number;
  readonly view: AddressView;
  readonly address: string;
  /** At most 4096. */
  readonly length: number;
  /** The vCPU's physical CPU number for the gva view (default: the zone's first). */
  readonly cpu?: number;
}

export interface MemoryBlock {
  readonly zone: number;
  readonly view: AddressView;
  readonly cpu: number;
  readonly address: string;
  /** Two hex digits per byte; unreadable bytes are "00" here and listed in `unreadable`. */
  readonly bytes: string;
  readonly unreadable: readonly { readonly offset: number; readonly length: number; readonly reason: string }[];
  /** Every CPU of the zone is held: the bytes can be edited. */
  readonly paused: boolean;
}

export interface MemoryWriteParams {
  readonly zone: number;
  readonly view: AddressView;
  readonly address: string;
  /** Two hex digits per byte, at most 4096 bytes. */
  readonly bytes: string;
  readonly cpu?: number;
}

export interface MemoryWriteResult {
  readonly address: string;
  /** The bytes the write replaced (undo writes them back). */
  readonly previous: string;
}

export interface TranslationLevelData {
  readonly level: number;
  /** The ISA's word for the entry ("PTE (next table)", "block descriptor"). */
  readonly label: string;
  readonly table: string;
  readonly index: number;
  readonly entryAddress: string;
  /** null: the entry could not be read. */
  readonly entry: string | null;
  readonly kind: 'table' | 'leaf' | 'invalid' | 'unreadable';
  readonly fields: readonly RegisterFieldValue[];
  readonly pageSize?: string;
}

export interface TranslationState {
  readonly zone: number;
  readonly cpu: number;
  readonly view: AddressView;
  readonly address: string;
  /** Stage 1 (gva only): the regime, each level, the leaf's rights, or why it stopped. */
  readonly stage1: {
    readonly regime: string;
    readonly enabled: boolean;
    readonly levels: readonly TranslationLevelData[];
    readonly output: string | null;
    readonly fault: string | null;
    readonly permissions: string | null;
  } | null;
  readonly guestPhysical: string | null;
  readonly stage2: {
    readonly region: Stage2RegionData | null;
    readonly hostPhysical: string | null;
    /** Why the bytes are not reachable there (unmapped, I/O, emulated), null: RAM. */
    readonly refused: string | null;
  } | null;
}

export interface MemoryCommands {
  'memory.read': { params: MemoryReadParams; result: MemoryBlock };
  /** Refused while the zone runs (pause it first) and outside the zone's RAM. */
  'memory.write': { params: MemoryWriteParams; result: MemoryWriteResult };
  'memory.translate': { params: { zone: number; view: AddressView; address: string; cpu?: number }; result: TranslationState };
  'memory.stage2': { params: { zone: number }; result: Stage2MapState };
}
