/**
 * The workbench's virtual Ethernet switch between zones' virtio-net devices (what TAP devices on a
 * host bridge give hvisor-tool). A learning switch: it remembers the port each source MAC was last
 * seen on, sends a frame for a known unicast MAC to that port only, and floods broadcasts,
 * multicasts and unknown destinations to every other port. Taps (a pcap writer) see every frame
 * that enters the switch.
 *
 * The address table holds at most MAC_TABLE_ENTRIES addresses, the least recently seen going first,
 * as a hardware switch's table is bounded: a guest that sends from millions of made-up source
 * addresses only makes the switch flood more, it cannot grow the workbench's memory.
 *
 * Snapshots (decision 0024) keep the address table (saveState/restoreState), so a restored machine
 * forwards as before instead of flooding until it relearns; the counters and taps are not state a
 * guest sees. Frames are handed on synchronously, so none is inside the switch at a save.
 *
 * Left out: VLANs, STP, MAC ageing (ports are few and a moved MAC is relearned on its next frame).
 */
import type { NetPort } from '../../core/virtio/virtio-net';

export interface SwitchEndpoint {
  /** A frame for this port's device. */
  receive(frame: Uint8Array): void;
}

export interface SwitchPort extends NetPort {
  readonly name: string;
  disconnect(): void;
}

export type FrameTap = (frame: Uint8Array, from: string) => void;

/** Addresses the switch remembers. */
export const MAC_TABLE_ENTRIES = 1024;

const macKey = (frame: Uint8Array, at: number): string => {
  let key = '';
  for (let i = 0; i < 6; i++) key += (i ? ':' : '') + frame[at + i]!.toString(16).padStart(2, '0');
  return key;
};

export class EthernetSwitch {
  private readonly ports = new Map<string, SwitchEndpoint>();
  private readonly table = new Map<string, string>();
  private readonly taps = new Set<FrameTap>();
  forwarded = 0;
  flooded = 0;

  connect(name: string, endpoint: SwitchEndpoint): SwitchPort {
    if (this.ports.has(name)) throw new Error(`switch port '${name}' is already connected`);
    this.ports.set(name, endpoint);
    return {
      name,
      send: (frame) => this.ingress(name, frame),
      disconnect: () => {
        this.ports.delete(name);
        for (const [mac, port] of this.table) if (port === name) this.table.delete(mac);
      },
    };
  }

  /** Sees every frame entering the switch; returns a function that removes the tap. */
  tap(listener: FrameTap): () => void {
    this.taps.add(listener);
    return () => this.taps.delete(listener);
  }

  /** The port a MAC address ("02:00:00:00:01:01") was learned on. */
  lookup(mac: string): string | undefined {
    return this.table.get(mac.toLowerCase());
  }

  /** Addresses in the table now. */
  get learned(): number {
    return this.table.size;
  }

  /** Snapshots: the address table, least recently seen first. */
  saveState(): { table: [string, string][] } {
    return { table: [...this.table] };
  }

  /** Puts a saved table back (entries for ports this switch does not have are left out). */
  restoreState(state: { table: [string, string][] }): void {
    this.table.clear();
    for (const [mac, port] of state.table.slice(-MAC_TABLE_ENTRIES)) if (this.ports.has(port)) this.table.set(mac, port);
  }

  private learn(mac: string, port: string): void {
    // Re-inserting keeps the Map in order of last sight, so the first key is the one to forget.
    this.table.delete(mac);
    if (this.table.size >= MAC_TABLE_ENTRIES) this.table.delete(this.table.keys().next().value!);
    this.table.set(mac, port);
  }

  private ingress(from: string, frame: Uint8Array): void {
    if (frame.length < 14 || !this.ports.has(from)) return;
    for (const tap of this.taps) tap(frame, from);
    if ((frame[6]! & 1) === 0) this.learn(macKey(frame, 6), from);
    const group = (frame[0]! & 1) === 1;
    const target = group ? undefined : this.table.get(macKey(frame, 0));
    if (target !== undefined) {
      if (target !== from) {
        this.forwarded++;
        this.ports.get(target)?.receive(frame);
      }
      return;
    }
    this.flooded++;
    for (const [name, endpoint] of [...this.ports]) if (name !== from) endpoint.receive(frame);
  }
}
