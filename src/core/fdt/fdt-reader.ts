/**
 * Reads a flattened device tree blob (v16/v17) into nodes and raw properties, enough to check a
 * user's DTB against a zone config. Overlays, phandle resolution and property typing are left to
 * the caller.
 */

export interface FdtReadNode {
  readonly name: string;
  readonly path: string;
  readonly properties: ReadonlyMap<string, Uint8Array>;
  readonly children: FdtReadNode[];
}

export class FdtFormatError extends Error {}

const FDT_MAGIC = 0xd00dfeed;
const FDT_BEGIN_NODE = 1;
const FDT_END_NODE = 2;
const FDT_PROP = 3;
const FDT_NOP = 4;
const FDT_END = 9;

export function readDtb(bytes: Uint8Array, name: string): FdtReadNode {
  if (bytes.length < 40) throw new FdtFormatError(`${name}: too short for a device tree blob (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) !== FDT_MAGIC) throw new FdtFormatError(`${name}: not a device tree blob (magic 0x${view.getUint32(0).toString(16)}, want 0xd00dfeed)`);
  const total = view.getUint32(4);
  const structOffset = view.getUint32(8);
  const stringsOffset = view.getUint32(12);
  if (total > bytes.length) throw new FdtFormatError(`${name}: header says ${total} bytes, the file has ${bytes.length} (truncated?)`);
  const text = (offset: number): string => {
    let end = offset;
    while (end < total && bytes[end] !== 0) end++;
    if (end >= total) throw new FdtFormatError(`${name}: unterminated string at offset ${offset}`);
    return String.fromCharCode(...bytes.subarray(offset, end));
  };
  let at = structOffset;
  const word = (): number => {
    if (at + 4 > total) throw new FdtFormatError(`${name}: structure block runs past the end`);
    const value = view.getUint32(at);
    at += 4;
    return value;
  };
  const stack: { name: string; path: string; properties: Map<string, Uint8Array>; children: FdtReadNode[] }[] = [];
  let root: FdtReadNode | undefined;
  for (;;) {
    const token = word();
    if (token === FDT_NOP) continue;
    if (token === FDT_END) break;
    if (token === FDT_BEGIN_NODE) {
      const nodeName = text(at);
      at += (nodeName.length + 4) & ~3;
      const parent = stack.at(-1);
      const path = parent ? (parent.path === '/' ? `/${nodeName}` : `${parent.path}/${nodeName}`) : '/';
      stack.push({ name: nodeName, path, properties: new Map(), children: [] });
    } else if (token === FDT_END_NODE) {
      const node = stack.pop();
      if (!node) throw new FdtFormatError(`${name}: unbalanced end of node`);
      const parent = stack.at(-1);
      if (parent) parent.children.push(node);
      else root = node;
    } else if (token === FDT_PROP) {
      const length = word();
      const nameOffset = word();
      const node = stack.at(-1);
      if (!node) throw new FdtFormatError(`${name}: property outside any node`);
      if (at + length > total) throw new FdtFormatError(`${name}: property runs past the end`);
      node.properties.set(text(stringsOffset + nameOffset), bytes.slice(at, at + length));
      at += (length + 3) & ~3;
    } else {
      throw new FdtFormatError(`${name}: unknown structure token 0x${token.toString(16)} at offset ${at - 4}`);
    }
  }
  if (!root) throw new FdtFormatError(`${name}: no root node`);
  return root;
}

/** Big-endian 32-bit cells of a property. */
export function cells(value: Uint8Array | undefined): number[] {
  if (!value) return [];
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 4 <= value.length; i += 4) out.push(view.getUint32(i));
  return out;
}

export function stringProperty(value: Uint8Array | undefined): string | undefined {
  if (!value) return undefined;
  const end = value.indexOf(0);
  return String.fromCharCode(...value.subarray(0, end < 0 ? value.length : end));
}

/** Every string of a string-list property such as `compatible`. */
export function stringList(value: Uint8Array | undefined): string[] {
  if (!value) return [];
  const text = String.fromCharCode(...value);
  return (text.endsWith('\0') ? text.slice(0, -1) : text).split('\0');
}

export function walk(node: FdtReadNode, visit: (node: FdtReadNode) => void): void {
  visit(node);
  for (const child of node.children) walk(child, visit);
}
