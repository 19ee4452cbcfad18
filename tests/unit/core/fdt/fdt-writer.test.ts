import { describe, expect, it } from 'vitest';
import { printDts } from '../../../../src/core/fdt/dts';
import { FdtTree, u64Cells, writeDtb } from '../../../../src/core/fdt/fdt-writer';
import { dtbToDts, dtsToDtb, hasDtc } from './dtc';

interface ParsedNode {
  name: string;
  props: Map<string, Uint8Array>;
  children: ParsedNode[];
}

/** A minimal DTB reader, independent of the writer, for structural checks. */
function parseDtb(blob: Uint8Array) {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const header = {
    magic: view.getUint32(0), totalsize: view.getUint32(4), structOffset: view.getUint32(8), stringsOffset: view.getUint32(12),
    reserveOffset: view.getUint32(16), version: view.getUint32(20), lastCompatible: view.getUint32(24), bootCpu: view.getUint32(28),
    stringsSize: view.getUint32(32), structSize: view.getUint32(36),
  };
  const cString = (at: number) => {
    let end = at;
    while (blob[end] !== 0) end++;
    return new TextDecoder().decode(blob.subarray(at, end));
  };
  const reservations: [bigint, bigint][] = [];
  for (let at = header.reserveOffset; ; at += 16) {
    const address = view.getBigUint64(at);
    const size = view.getBigUint64(at + 8);
    if (address === 0n && size === 0n) break;
    reservations.push([address, size]);
  }
  let at = header.structOffset;
  const stack: ParsedNode[] = [];
  let root: ParsedNode | undefined;
  for (;;) {
    const token = view.getUint32(at);
    at += 4;
    if (token === 1) {
      const name = cString(at);
      at += (name.length + 4) & ~3;
      const node: ParsedNode = { name, props: new Map(), children: [] };
      if (stack.length > 0) stack[stack.length - 1]!.children.push(node);
      else root = node;
      stack.push(node);
    } else if (token === 3) {
      const length = view.getUint32(at);
      const name = cString(header.stringsOffset + view.getUint32(at + 4));
      stack[stack.length - 1]!.props.set(name, blob.slice(at + 8, at + 8 + length));
      at += 8 + ((length + 3) & ~3);
    } else if (token === 2) {
      stack.pop();
    } else if (token === 9) {
      break;
    } else {
      throw new Error(`bad token ${token}`);
    }
  }
  return { header, reservations, root: root!, endOfStruct: at };
}

function sampleTree(): FdtTree {
  const tree = new FdtTree();
  tree.bootCpuId = 1;
  tree.reservations.push({ address: 0x8020_0000, size: 0x20_0000 });
  tree.root.u32('#address-cells', 2).u32('#size-cells', 2).string('compatible', 'test,board');
  const intc = tree.root.addChild('intc', 'intc0');
  intc.empty('interrupt-controller').u32('#interrupt-cells', 1).u32('#address-cells', 0);
  const dev = tree.root.addChild('device@1000');
  dev.strings('compatible', ['vendor,a', 'vendor,b']).u64('reg', 0x1000, 0x100);
  dev.cells('interrupts-extended', [{ ref: 'intc0' }, 5]).bytes('blob', Uint8Array.of(1, 2, 0xff));
  dev.string('name-with-"quote"', 'back\\slash "quoted"');
  return tree;
}

describe('FDT writer', () => {
  it('splits 64-bit values into cells', () => {
    expect(u64Cells(0x4_0000_0000)).toEqual([4, 0]);
    expect(() => u64Cells(-1)).toThrow();
  });

  it('writes a v17 header, reservations and aligned blocks', () => {
    const blob = writeDtb(sampleTree());
    const { header, reservations } = parseDtb(blob);
    expect(header.magic).toBe(0xd00dfeed);
    expect(header.totalsize).toBe(blob.length);
    expect(header.version).toBe(17);
    expect(header.lastCompatible).toBe(16);
    expect(header.bootCpu).toBe(1);
    expect(header.reserveOffset % 8).toBe(0);
    expect(header.structOffset % 4).toBe(0);
    expect(header.stringsOffset).toBe(header.structOffset + header.structSize);
    expect(header.stringsOffset + header.stringsSize).toBe(blob.length);
    expect(reservations).toEqual([[0x8020_0000n, 0x20_0000n]]);
  });

  it('encodes properties, resolves phandles and deduplicates names', () => {
    const blob = writeDtb(sampleTree());
    const { root, header } = parseDtb(blob);
    const intc = root.children[0]!;
    const dev = root.children[1]!;
    expect(intc.props.get('phandle')).toEqual(Uint8Array.of(0, 0, 0, 1));
    expect(intc.props.get('interrupt-controller')).toEqual(new Uint8Array(0));
    expect([...dev.props.get('interrupts-extended')!]).toEqual([0, 0, 0, 1, 0, 0, 0, 5]);
    expect([...dev.props.get('reg')!]).toEqual([0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
    expect(new TextDecoder().decode(dev.props.get('compatible'))).toBe('vendor,a\0vendor,b\0');
    const strings = new TextDecoder().decode(blob.subarray(header.stringsOffset, header.stringsOffset + header.stringsSize));
    expect(strings.split('\0').filter((s) => s === '#address-cells')).toHaveLength(1);
  });

  it('rejects unknown references and duplicate labels', () => {
    const tree = new FdtTree();
    tree.root.reference('interrupt-parent', 'nowhere');
    expect(() => writeDtb(tree)).toThrow(/unknown label 'nowhere'/);
    const twice = new FdtTree();
    twice.root.addChild('a', 'x');
    twice.root.addChild('b', 'x');
    expect(() => writeDtb(twice)).toThrow(/used twice/);
  });

  it('prints DTS with labels, references and escapes', () => {
    const text = printDts(sampleTree());
    expect(text).toContain('/memreserve/ 0x80200000 0x200000;');
    expect(text).toContain('intc0: intc {');
    expect(text).toContain('interrupts-extended = <&intc0 0x5>;');
    expect(text).toContain('compatible = "vendor,a", "vendor,b";');
    expect(text).toContain('blob = [01 02 ff];');
    expect(text).toContain('"back\\\\slash \\"quoted\\""');
  });

  it.skipIf(!hasDtc)('agrees with dtc on the sample tree (requires /usr/bin/dtc)', () => {
    const tree = sampleTree();
    tree.root.child('device@1000')!.properties.pop(); // dtc rejects quotes in property names
    const fromBlob = dtbToDts(writeDtb(tree));
    expect(fromBlob.status).toBe(0);
    const fromText = dtbToDts(dtsToDtb(printDts(tree)));
    expect(fromText.output).toBe(fromBlob.output);
  });
});
