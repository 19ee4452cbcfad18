/**
 * Prints an FdtTree as device tree source (DTS v1), the text `npx hvwb dts` shows. Phandles appear
 * both ways: references as `&label` (readable) and each labelled node's `phandle = <n>;` with the
 * same number the DTB writer assigns, so compiling this text with dtc gives the same blob.
 */
import { resolvedProperties, u64Cells, type FdtNode, type FdtProperty, type FdtTree } from './fdt-writer';

export function printDts(tree: FdtTree): string {
  const phandles = tree.phandles();
  const lines: string[] = ['/dts-v1/;', ''];
  for (const r of tree.reservations) lines.push(`/memreserve/ ${hex64(r.address)} ${hex64(r.size)};`);
  if (tree.reservations.length > 0) lines.push('');
  printNode(tree.root, 0, phandles, lines);
  return lines.join('\n') + '\n';
}

function printNode(node: FdtNode, depth: number, phandles: ReadonlyMap<string, number>, lines: string[]): void {
  const indent = '\t'.repeat(depth);
  const label = node.label !== undefined ? `${node.label}: ` : '';
  lines.push(`${indent}${label}${node.name === '' ? '/' : node.name} {`);
  // Properties as written by the DTB writer (phandle included), but with references kept symbolic.
  const resolved = resolvedProperties(node, phandles);
  const own = new Map(node.properties.map((p) => [p.name, p]));
  for (const prop of resolved) lines.push(`${indent}\t${formatProperty(own.get(prop.name) ?? prop)}`);
  node.children.forEach((child, i) => {
    if (i > 0 || node.properties.length > 0) lines.push('');
    printNode(child, depth + 1, phandles, lines);
  });
  lines.push(`${indent}};`);
}

function formatProperty(prop: FdtProperty): string {
  const value = prop.value;
  switch (value.type) {
    case 'empty':
      return `${prop.name};`;
    case 'strings':
      return `${prop.name} = ${value.strings.map(quote).join(', ')};`;
    case 'bytes':
      return `${prop.name} = [${[...value.bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ')}];`;
    case 'cells': {
      const cells = value.cells.map((c) => (typeof c === 'number' ? `0x${c.toString(16)}` : `&${c.ref}`));
      return `${prop.name} = <${cells.join(' ')}>;`;
    }
  }
}

function quote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function hex64(value: number): string {
  const [hi, lo] = u64Cells(value);
  return hi === 0 ? `0x${lo.toString(16)}` : `0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')}`;
}
