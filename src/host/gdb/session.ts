/**
 * One gdb connection to one zone: the remote serial protocol's commands on top of a GdbTarget, in
 * all-stop mode. The zone's vCPUs are the threads (ids 1..n); a stop (breakpoint, watchpoint, step,
 * Ctrl-C) holds every CPU of the zone; continue releases them; a step runs one CPU while the others
 * stay held. Breakpoints (Z0 and Z1 alike: both live in the CPU's decode cache, with no per-instruction
 * cost) and watchpoints (Z2 write, Z3 read, Z4 access) go into every CPU's debug table. Detaching, a
 * kill request and a dropped connection all clear the table and leave the zone running.
 * Every malformed or out-of-range request is answered with an error (Exx) or the empty reply for an
 * unknown command; nothing a client sends can throw out of here.
 */
import { MAX_BREAKPOINTS, MAX_WATCHPOINTS, WatchKind, type Watchpoint } from '../../core/cpu/hart-snapshot';
import { targetXml } from './arch';
import { escapeBinary, frame, fromHex, MAX_PACKET, PacketReader, parseHexU64, textToHex, toHex } from './packets';
import type { GdbTarget, MemoryView, StopEvent } from './zone-target';

const POLL_MS = 5;
/** Error numbers of the replies (errno values, as gdbserver uses them). */
const E_PARAM = 'E16';
const E_FAULT = 'E0e';
const E_SPACE = 'E1c';

export class GdbSession {
  private readonly reader = new PacketReader();
  private noAck = false;
  private queue: Promise<void> = Promise.resolve();
  /** The thread (0-based vCPU index) for register and memory commands (Hg), and for step/continue (Hc). */
  private gThread = 0;
  private cThread = 0;
  private running = false;
  private poll: ReturnType<typeof setInterval> | undefined;
  private lastStop = 'S05';
  private closed = false;
  private readonly breakpoints = new Set<bigint>();
  private readonly watchpoints: Watchpoint[] = [];
  private view: MemoryView = 'virtual';

  constructor(
    private readonly target: GdbTarget,
    private readonly send: (bytes: string) => void,
    private readonly close: () => void,
  ) {}

  /** Stops the zone for the new client (gdb expects a stopped target when it connects). */
  async start(): Promise<void> {
    await this.target.pause();
    this.lastStop = this.stopReply('05', { index: 0 });
  }

  /** Bytes from the client. */
  data(bytes: Uint8Array): void {
    for (const event of this.reader.feed(bytes)) {
      switch (event.kind) {
        case 'packet':
          if (!this.noAck) this.send('+');
          this.enqueue(() => this.handle(event.data));
          break;
        case 'bad':
          if (!this.noAck) this.send('-');
          break;
        case 'interrupt':
          this.enqueue(() => this.interrupt());
          break;
        default:
          // Acknowledgements: replies are not resent (the connection is a reliable stream).
          break;
      }
    }
  }

  /** The connection ended (detach, kill or a dropped socket): the zone runs on without breakpoints. */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopPolling();
    this.breakpoints.clear();
    this.watchpoints.length = 0;
    try {
      this.target.setTable([], []);
      this.target.resume();
    } catch {
      // The machine may be gone already.
    }
  }

  private enqueue(work: () => Promise<void> | void): void {
    this.queue = this.queue.then(work).catch(() => this.reply('E01'));
  }

  private reply(payload: string): void {
    if (!this.closed) this.send(frame(payload));
  }

  private threadId(index: number): string {
    return (index + 1).toString(16);
  }

  /** A thread id of a packet as a vCPU index: undefined for "any" (0) and "all" (-1), null if unknown. */
  private parseThread(text: string): number | undefined | null {
    if (text === '-1' || text === '0') return undefined;
    const id = parseHexU64(text);
    if (id === undefined || id < 1n || id > BigInt(this.target.cpus().length)) return null;
    return Number(id) - 1;
  }

  private stopReply(signal: string, stop: StopEvent, swbreak = false): string {
    let reply = `T${signal}thread:${this.threadId(stop.index)};`;
    if (stop.watch) {
      const name = stop.watch.kind === WatchKind.write ? 'watch' : this.watchpoints.some((w) => w.kind === WatchKind.access) ? 'awatch' : 'rwatch';
      reply += `${name}:${stop.watch.address.toString(16)};`;
    } else if (swbreak) reply += 'swbreak:;';
    return reply;
  }

  private async handle(packet: string): Promise<void> {
    if (this.closed) return;
    const reply = await this.command(packet);
    if (reply !== undefined) this.reply(reply);
  }

  /** The reply to one packet (undefined: none now, e.g. a continue answered when the zone stops). */
  private async command(p: string): Promise<string | undefined> {
    const head = p[0];
    switch (head) {
      case '?':
        return this.lastStop;
      case 'g':
        return this.readRegisters();
      case 'G':
        return this.writeRegisters(p.slice(1));
      case 'p':
        return this.readRegister(p.slice(1));
      case 'P':
        return this.writeRegister(p.slice(1));
      case 'm':
        return this.readMemory(p.slice(1));
      case 'M':
        return this.writeMemory(p.slice(1), false);
      case 'X':
        return this.writeMemory(p.slice(1), true);
      case 'H':
        return this.setThread(p.slice(1));
      case 'T':
        return this.parseThread(p.slice(1)) === null ? 'E01' : 'OK';
      case 'c':
      case 'C':
        return this.continueAt(head === 'c' ? p.slice(1) : p.slice(1).split(';')[1] ?? '');
      case 's':
      case 'S':
        return this.step(this.cThread);
      case 'Z':
      case 'z':
        return this.breakpoint(head === 'Z', p.slice(1));
      case 'D':
        this.reply('OK');
        this.end();
        return undefined;
      case 'k':
        this.end();
        return undefined;
      case 'q':
        return this.query(p);
      case 'Q':
        if (p === 'QStartNoAckMode') {
          this.reply('OK');
          this.noAck = true;
          return undefined;
        }
        return '';
      case 'v':
        return this.vCommand(p);
      default:
        return '';
    }
  }

  private end(): void {
    this.dispose();
    this.close();
  }

  private query(p: string): string {
    if (p.startsWith('qSupported')) {
      return `PacketSize=${MAX_PACKET.toString(16)};qXfer:features:read+;swbreak+;hwbreak+;QStartNoAckMode+;vContSupported+`;
    }
    if (p.startsWith('qXfer:features:read:')) {
      const [annex, range] = p.slice('qXfer:features:read:'.length).split(':');
      if (annex !== 'target.xml') return 'E00';
      const [offText, lenText] = (range ?? '').split(',');
      const offset = parseHexU64(offText ?? '');
      const length = parseHexU64(lenText ?? '');
      if (offset === undefined || length === undefined) return E_PARAM;
      const xml = targetXml(this.target.arch);
      const chunk = xml.slice(Number(offset), Number(offset) + Math.min(Number(length), MAX_PACKET / 2));
      return `${Number(offset) + chunk.length >= xml.length ? 'l' : 'm'}${escapeBinary(chunk)}`;
    }
    if (p === 'qfThreadInfo') return `m${this.target.cpus().map((_, i) => this.threadId(i)).join(',')}`;
    if (p === 'qsThreadInfo') return 'l';
    if (p === 'qC') return `QC${this.threadId(this.gThread)}`;
    if (p === 'qAttached' || p.startsWith('qAttached:')) return '1';
    if (p.startsWith('qThreadExtraInfo,')) {
      const index = this.parseThread(p.slice('qThreadExtraInfo,'.length));
      if (index === null || index === undefined) return E_PARAM;
      return textToHex(`vCPU ${index} (CPU ${this.target.cpus()[index]})`);
    }
    if (p.startsWith('qRcmd,')) {
      const bytes = fromHex(p.slice('qRcmd,'.length));
      if (!bytes) return E_PARAM;
      return textToHex(this.monitor(new TextDecoder().decode(bytes).trim()));
    }
    return '';
  }

  /** `monitor` commands. */
  private monitor(command: string): string {
    const [word, arg] = command.split(/\s+/);
    if (word === 'view' && (arg === 'physical' || arg === 'virtual')) {
      this.view = arg;
      return `memory view: guest-${arg}\n`;
    }
    if (word === 'view' && arg === undefined) return `memory view: guest-${this.view}\n`;
    return 'monitor commands: view [physical|virtual] (memory in the zone\'s guest-physical view, or through the vCPU\'s page tables)\n';
  }

  private setThread(rest: string): string {
    const index = this.parseThread(rest.slice(1));
    if (index === null) return 'E01';
    if (rest[0] === 'g') this.gThread = index ?? this.gThread;
    else if (rest[0] === 'c') this.cThread = index ?? this.cThread;
    else return '';
    return 'OK';
  }

  // ---------------------------------------------------------------------------------------------
  // Registers

  private readRegisters(): string {
    const cpu = this.target.cpu(this.gThread);
    let out = '';
    for (let n = 0; n < this.target.arch.gRegisters; n++) out += toHex(this.target.arch.readRegister(cpu, n) ?? new Uint8Array(8));
    return out;
  }

  private writeRegisters(hex: string): string {
    const bytes = fromHex(hex);
    const cpu = this.target.cpu(this.gThread);
    const sizes = Array.from({ length: this.target.arch.gRegisters }, (_, n) => this.target.arch.readRegister(cpu, n)?.length ?? 8);
    if (!bytes || bytes.length !== sizes.reduce((a, b) => a + b, 0)) return E_PARAM;
    let at = 0;
    for (const [n, size] of sizes.entries()) {
      this.target.arch.writeRegister(cpu, n, bytes.subarray(at, at + size));
      at += size;
    }
    return 'OK';
  }

  private readRegister(rest: string): string {
    const n = parseHexU64(rest);
    if (n === undefined || n > 100000n) return E_PARAM;
    const value = this.target.arch.readRegister(this.target.cpu(this.gThread), Number(n));
    return value ? toHex(value) : E_PARAM;
  }

  private writeRegister(rest: string): string {
    const [nText, hex] = rest.split('=');
    const n = parseHexU64(nText ?? '');
    const bytes = fromHex(hex ?? '');
    if (n === undefined || n > 100000n || !bytes) return E_PARAM;
    return this.target.arch.writeRegister(this.target.cpu(this.gThread), Number(n), bytes) ? 'OK' : E_PARAM;
  }

  // ---------------------------------------------------------------------------------------------
  // Memory

  /** "addr,length" as numbers; undefined when malformed. */
  private range(text: string): { address: bigint; length: number } | undefined {
    const [a, l] = text.split(',');
    const address = parseHexU64(a ?? '');
    const length = parseHexU64(l ?? '');
    if (address === undefined || length === undefined) return undefined;
    return { address, length: Number(length > BigInt(MAX_PACKET) ? BigInt(MAX_PACKET) : length) };
  }

  private readMemory(rest: string): string {
    const range = this.range(rest);
    if (!range) return E_PARAM;
    // A reply carries two hex digits per byte and must fit the packet size.
    const length = Math.min(range.length, MAX_PACKET / 2);
    if (length === 0) return '';
    const bytes = this.target.readMemory(this.gThread, range.address, length, this.view);
    return bytes ? toHex(bytes) : E_FAULT;
  }

  private writeMemory(rest: string, binary: boolean): string {
    const colon = rest.indexOf(':');
    if (colon < 0) return E_PARAM;
    const range = this.range(rest.slice(0, colon));
    if (!range) return E_PARAM;
    const body = rest.slice(colon + 1);
    const bytes = binary ? Uint8Array.from(body, (c) => c.charCodeAt(0) & 0xff) : fromHex(body);
    if (!bytes || bytes.length !== range.length) return E_PARAM;
    if (bytes.length === 0) return 'OK';
    return this.target.writeMemory(this.gThread, range.address, bytes, this.view) ? 'OK' : E_FAULT;
  }

  // ---------------------------------------------------------------------------------------------
  // Breakpoints and watchpoints

  private breakpoint(insert: boolean, rest: string): string {
    const [typeText, addrText, kindText] = rest.split(/[,;]/);
    const address = parseHexU64(addrText ?? '');
    const kind = parseHexU64(kindText ?? '');
    if (address === undefined || kind === undefined) return E_PARAM;
    switch (typeText) {
      case '0':
      case '1':
        if (insert) {
          if (!this.breakpoints.has(address) && this.breakpoints.size >= (this.target.arch.maxBreakpoints ?? MAX_BREAKPOINTS)) return E_SPACE;
          this.breakpoints.add(address);
        } else this.breakpoints.delete(address);
        break;
      case '2':
      case '3':
      case '4': {
        if (this.target.arch.watchpoints === false) return '';
        const watchKind = typeText === '2' ? WatchKind.write : typeText === '3' ? WatchKind.read : WatchKind.access;
        const length = Number(kind);
        if (length < 1 || length > 4096) return E_PARAM;
        const at = this.watchpoints.findIndex((w) => w.address === address && w.length === length && w.kind === watchKind);
        if (insert) {
          if (at < 0 && this.watchpoints.length >= MAX_WATCHPOINTS) return E_SPACE;
          if (at < 0) this.watchpoints.push({ address, length, kind: watchKind });
        } else if (at >= 0) this.watchpoints.splice(at, 1);
        break;
      }
      default:
        return '';
    }
    this.target.setTable([...this.breakpoints], this.watchpoints);
    return 'OK';
  }

  // ---------------------------------------------------------------------------------------------
  // Running and stopping

  private vCommand(p: string): string | undefined | Promise<string | undefined> {
    if (p === 'vCont?') return 'vCont;c;C;s;S;t';
    if (p.startsWith('vCont;')) {
      const actions = p.slice('vCont;'.length).split(';').map((a) => {
        const [action, thread] = a.split(':');
        return { action: action?.[0] ?? '', thread: thread === undefined ? undefined : this.parseThread(thread) };
      });
      if (actions.some((a) => a.thread === null || !'cCsSt'.includes(a.action) || a.action === '')) return E_PARAM;
      const step = actions.find((a) => a.action === 's' || a.action === 'S');
      if (step) return this.step(step.thread ?? this.cThread);
      if (actions.some((a) => a.action === 'c' || a.action === 'C')) return this.continueAt('');
      return 'OK';
    }
    if (p === 'vKill' || p.startsWith('vKill;')) {
      this.reply('OK');
      this.end();
      return undefined;
    }
    // vMustReplyEmpty and everything else unknown.
    return '';
  }

  private async step(index: number): Promise<string> {
    await this.target.step(index);
    this.gThread = index;
    this.lastStop = this.stopReply('05', this.target.pollStop() ?? { index });
    return this.lastStop;
  }

  private continueAt(addressText: string): string | undefined {
    if (addressText !== '') {
      const address = parseHexU64(addressText);
      const pc = this.target.arch.pcRegnum;
      if (address === undefined) return E_PARAM;
      const bytes = new Uint8Array(8);
      for (let i = 0; i < 8; i++) bytes[i] = Number((address >> BigInt(8 * i)) & 0xffn);
      this.target.arch.writeRegister(this.target.cpu(this.cThread), pc, bytes);
    }
    this.target.resume();
    this.running = true;
    this.stopPolling();
    this.poll = setInterval(() => this.enqueue(() => this.checkStop()), POLL_MS);
    return undefined;
  }

  private stopPolling(): void {
    if (this.poll) clearInterval(this.poll);
    this.poll = undefined;
  }

  private async checkStop(): Promise<void> {
    if (!this.running || this.closed) return;
    const stop = this.target.pollStop();
    if (!stop) return;
    this.running = false;
    this.stopPolling();
    await this.target.pause();
    this.gThread = this.cThread = stop.index;
    this.lastStop = this.stopReply('05', stop, !stop.watch);
    this.reply(this.lastStop);
  }

  /** Ctrl-C: stop the zone where it is (SIGINT). Ignored when the zone is stopped already. */
  private async interrupt(): Promise<void> {
    if (!this.running || this.closed) return;
    this.running = false;
    this.stopPolling();
    await this.target.pause();
    this.lastStop = this.stopReply('02', { index: this.cThread });
    this.reply(this.lastStop);
  }
}
