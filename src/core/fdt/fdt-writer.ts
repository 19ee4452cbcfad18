/**
 * A device tree in memory and its flattened form (DTB version 17, as defined by the Devicetree
 * Specification, chapter 5): header, memory reservation block, structure block, strings block.
 *
 * Properties keep their kind (cells, strings, bytes) so that the DTS printer (dts.ts) prints the
 * same tree readably. Phandles are symbolic: a node gets a label and cells refer to it with
 * `{ ref: label }`; numbers are assigned in tree order when the tree is written or printed, and the
 * labelled node gets a `phandle` property, so both outputs always agree.
 */

/** One 32-bit cell, or a reference to a labelled node that becomes its phandle. */
export type FdtCell = number | { readonly ref: string };

export type FdtValue =
  | { readonly type: 'empty' }
  | { readonly type: 'cells'; readonly cells: readonly FdtCell[] }
  | { readonly type: 'strings'; readonly strings: readonly string[] }
  | { readonly type: 'bytes'; readonly bytes: Uint8Array };

export interface FdtProperty {
  readonly name: string;
  readonly value: FdtValue;
}

export interface FdtReservation {
  readonly address: number;
  readonly size: number;
}

const TWO_32 = 0x1_0000_0000;

/** A 64-bit value as two cells, high first (exact for values below 2^53). */
export function u64Cells(value: number): [number, number] {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${value} is not a 64-bit unsigned integer`);
  return [Math.floor(value / TWO_32), value % TWO_32];
}

export class FdtNode {
  label: string | undefined;
  readonly properties: FdtProperty[] = [];
  readonly children: FdtNode[] = [];

  constructor(readonly name: string, label?: string) {
    this.label = label;
  }

  addChild(name: string, label?: string): FdtNode {
    if (this.children.some((c) => c.name === name)) throw new Error(`node '${name}' already exists under '${this.name || '/'}'`);
    const child = new FdtNode(name, label);
    this.children.push(child);
    return child;
  }

  child(name: string): FdtNode | undefined {
    return this.children.find((c) => c.name === name);
  }

  property(name: string): FdtProperty | undefined {
    return this.properties.find((p) => p.name === name);
  }

  /** Sets (or replaces in place) a property. */
  set(name: string, value: FdtValue): this {
    const index = this.properties.findIndex((p) => p.name === name);
    if (index >= 0) this.properties[index] = { name, value };
    else this.properties.push({ name, value });
    return this;
  }

  empty(name: string): this {
    return this.set(name, { type: 'empty' });
  }

  u32(name: string, ...values: number[]): this {
    for (const v of values) {
      if (!Number.isInteger(v) || v < 0 || v >= TWO_32) throw new Error(`property ${name}: ${v} is not a u32`);
    }
    return this.set(name, { type: 'cells', cells: values });
  }

  u64(name: string, ...values: number[]): this {
    return this.set(name, { type: 'cells', cells: values.flatMap(u64Cells) });
  }

  cells(name: string, cells: readonly FdtCell[]): this {
    return this.set(name, { type: 'cells', cells });
  }

  /** A property holding the phandle of the node labelled `label`. */
  reference(name: string, label: string): this {
    return this.set(name, { type: 'cells', cells: [{ ref: label }] });
  }

  string(name: string, value: string): this {
    return this.strings(name, [value]);
  }

  strings(name: string, values: readonly string[]): this {
    for (const v of values) if (v.includes('\0')) throw new Error(`property ${name}: string contains NUL`);
    return this.set(name, { type: 'strings', strings: values });
  }

  bytes(name: string, bytes: Uint8Array): this {
    return this.set(name, { type: 'bytes', bytes });
  }
}

export class FdtTree {
  readonly root = new FdtNode('');
  readonly reservations: FdtReservation[] = [];
  bootCpuId = 0;

  /** The node at an absolute path such as '/soc/serial@10000000'. */
  find(path: string): FdtNode | undefined {
    let node: FdtNode | undefined = this.root;
    for (const part of path.split('/').filter((p) => p.length > 0)) {
      node = node.child(part);
      if (!node) return undefined;
    }
    return node;
  }

  /** Phandle of every labelled node, numbered from 1 in depth-first order. */
  phandles(): Map<string, number> {
    const map = new Map<string, number>();
    const visit = (node: FdtNode): void => {
      if (node.label !== undefined) {
        if (map.has(node.label)) throw new Error(`label '${node.label}' used twice`);
        map.set(node.label, map.size + 1);
      }
      node.children.forEach(visit);
    };
    visit(this.root);
    return map;
  }
}

/** The properties of a node as they appear in the output: references resolved, phandle added last. */
export function resolvedProperties(node: FdtNode, phandles: ReadonlyMap<string, number>): FdtProperty[] {
  const out = node.properties.map((p) => {
    if (p.value.type !== 'cells') return p;
    const cells = p.value.cells.map((c) => {
      if (typeof c === 'number') return c;
      const phandle = phandles.get(c.ref);
      if (phandle === undefined) throw new Error(`property ${p.name} refers to unknown label '${c.ref}'`);
      return phandle;
    });
    return { name: p.name, value: { type: 'cells' as const, cells } };
  });
  if (node.label !== undefined && !node.property('phandle')) {
    out.push({ name: 'phandle', value: { type: 'cells', cells: [phandles.get(node.label)!] } });
  }
  return out;
}

const FDT_MAGIC = 0xd00dfeed;
const FDT_BEGIN_NODE = 1;
const FDT_END_NODE = 2;
const FDT_PROP = 3;
const FDT_END = 9;
const HEADER_BYTES = 40;
const VERSION = 17;
const LAST_COMPATIBLE_VERSION = 16;

/** Growable big-endian byte buffer. */
class ByteWriter {
  private bytes = new Uint8Array(4096);
  private view = new DataView(this.bytes.buffer);
  length = 0;

  private ensure(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  u32(value: number): void {
    this.ensure(4);
    this.view.setUint32(this.length, value >>> 0);
    this.length += 4;
  }

  raw(data: Uint8Array): void {
    this.ensure(data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
  }

  align(to: number): void {
    const pad = (to - (this.length % to)) % to;
    this.ensure(pad);
    this.bytes.fill(0, this.length, this.length + pad);
    this.length += pad;
  }

  result(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

/**
 * UTF-8 bytes of a string. The core is built without DOM or Node types, so TextEncoder is not
 * available to it; device tree strings are almost always ASCII anyway.
 */
export function utf8Bytes(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code < 0x80) out.push(code);
    else if (code < 0x800) out.push(0xc0 | (code >> 6), 0x80 | (code & 0x3f));
    else if (code < 0x10000) out.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    else out.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 0x3f), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
  }
  return Uint8Array.from(out);
}

/** Encodes a property value as its DTB bytes. */
export function valueBytes(value: FdtValue): Uint8Array {
  switch (value.type) {
    case 'empty':
      return new Uint8Array(0);
    case 'bytes':
      return value.bytes;
    case 'strings': {
      const parts = value.strings.map((s) => utf8Bytes(s));
      const out = new Uint8Array(parts.reduce((n, p) => n + p.length + 1, 0));
      let at = 0;
      for (const part of parts) {
        out.set(part, at);
        at += part.length + 1;
      }
      return out;
    }
    case 'cells': {
      const out = new Uint8Array(value.cells.length * 4);
      const view = new DataView(out.buffer);
      value.cells.forEach((c, i) => {
        if (typeof c !== 'number') throw new Error(`unresolved reference to '${c.ref}'`);
        view.setUint32(i * 4, c >>> 0);
      });
      return out;
    }
  }
}

/** Serialises the tree as a DTB (version 17). */
export function writeDtb(tree: FdtTree): Uint8Array {
  const phandles = tree.phandles();
  const strings = new ByteWriter();
  const stringOffsets = new Map<string, number>();
  const nameOffset = (name: string): number => {
    let offset = stringOffsets.get(name);
    if (offset === undefined) {
      offset = strings.length;
      strings.raw(utf8Bytes(name));
      strings.raw(new Uint8Array(1));
      stringOffsets.set(name, offset);
    }
    return offset;
  };

  const struct = new ByteWriter();
  const emit = (node: FdtNode): void => {
    struct.u32(FDT_BEGIN_NODE);
    struct.raw(utf8Bytes(node.name));
    struct.raw(new Uint8Array(1));
    struct.align(4);
    for (const prop of resolvedProperties(node, phandles)) {
      const data = valueBytes(prop.value);
      struct.u32(FDT_PROP);
      struct.u32(data.length);
      struct.u32(nameOffset(prop.name));
      struct.raw(data);
      struct.align(4);
    }
    node.children.forEach(emit);
    struct.u32(FDT_END_NODE);
  };
  emit(tree.root);
  struct.u32(FDT_END);

  const reserve = new ByteWriter();
  for (const r of tree.reservations) {
    for (const v of [r.address, r.size]) {
      const [hi, lo] = u64Cells(v);
      reserve.u32(hi);
      reserve.u32(lo);
    }
  }
  // The reservation block ends with an all-zero entry.
  for (let i = 0; i < 4; i++) reserve.u32(0);

  const reserveOffset = HEADER_BYTES; // 40 is already 8-byte aligned.
  const structOffset = reserveOffset + reserve.length;
  const stringsOffset = structOffset + struct.length;
  const total = stringsOffset + strings.length;

  const out = new ByteWriter();
  for (const word of [
    FDT_MAGIC, total, structOffset, stringsOffset, reserveOffset, VERSION, LAST_COMPATIBLE_VERSION,
    tree.bootCpuId, strings.length, struct.length,
  ]) out.u32(word);
  out.raw(reserve.result());
  out.raw(struct.result());
  out.raw(strings.result());
  return out.result();
}
