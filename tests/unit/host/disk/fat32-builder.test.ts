import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  FatImageError,
  chooseGeometry,
  fat32ImageChunks,
  planFat32Volume,
  type BuildProgress,
  type FatSourceFile,
} from '../../../../src/core/disk/fat32-builder';
import { ATTR_LONG_NAME, DIR_ENTRY_BYTES, FAT32_MIN_CLUSTERS, LFN_LAST_FLAG, shortNameChecksum } from '../../../../src/core/disk/fat32-format';
import { Fat32FormatError, type FatFileNode } from '../../../../src/core/disk/fat32-reader';
import { T2021, buildInMemory, flatten, fsckFat, memDir, memFile, memReader, runFsck, withTempDir } from './helpers';

const MIB = 1024 * 1024;

function sized(name: string, size: number, hostPath = `/host/${name}`): FatSourceFile {
  return { kind: 'file', name, size, mtimeMs: T2021, hostPath, content: async function* () {} };
}

function pattern(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe('FAT32 volume geometry', () => {
  it('defaults to 64 MiB with 512-byte clusters and enough clusters to be FAT32', () => {
    const plan = planFat32Volume(memDir('', [memFile('a.txt', 'a')]));
    expect(plan.totalBytes).toBe(64 * MIB);
    expect(plan.geometry.clusterBytes).toBe(512);
    expect(plan.geometry.clusterCount).toBeGreaterThanOrEqual(FAT32_MIN_CLUSTERS);
  });

  it('grows to content * 1.5 + 32 MiB and picks 4 KiB clusters past 260 MiB', () => {
    const plan = planFat32Volume(memDir('', [sized('big.bin', 400 * MIB)]));
    expect(plan.totalBytes).toBe(Math.ceil((400 * MIB * 1.5 + 32 * MIB + DIR_ENTRY_BYTES * 3) / MIB) * MIB);
    expect(plan.geometry.clusterBytes).toBe(4096);
    expect((plan.geometry.dataStartSector * 512) % plan.geometry.clusterBytes).toBe(0);
    expect(plan.files[0]!.clusterCount).toBe((400 * MIB) / 4096);
  });

  it('keeps the FAT large enough for every cluster across sizes', () => {
    for (const total of [34 * MIB, 64 * MIB, 300 * MIB, 9 * 1024 * MIB, 40 * 1024 * MIB, 1024 * 1024 * MIB]) {
      const g = chooseGeometry(total);
      expect(g.clusterCount).toBeGreaterThanOrEqual(FAT32_MIN_CLUSTERS);
      expect((g.fatSectors * 512) / 4).toBeGreaterThanOrEqual(g.clusterCount + 2);
      expect(g.dataStartSector + g.clusterCount * g.sectorsPerCluster).toBeLessThanOrEqual(g.totalSectors);
    }
  });

  it('refuses volumes too small for FAT32 or too large for 32-bit sector numbers', () => {
    expect(() => chooseGeometry(16 * MIB)).toThrow(/needs at least 65525/);
    expect(() => chooseGeometry(4 * 1024 * 1024 * MIB)).toThrow(/2 TiB/);
  });
});

describe('unrepresentable trees', () => {
  const build = (entries: FatSourceFile[] | ReturnType<typeof memDir>[], options = {}) => () =>
    planFat32Volume(memDir('', entries as never, T2021), options);

  it('rejects a file of 4 GiB or more, naming the host path', () => {
    expect(build([sized('huge.iso', 2 ** 32)])).toThrow(/\/host\/huge\.iso: 4294967296 bytes is more than the 4 GiB - 1/);
    expect(build([sized('max.iso', 2 ** 32 - 1)])).not.toThrow();
  });

  it('rejects forbidden characters and over-long names', () => {
    for (const bad of ['a"b', 'a*b', 'a:b', 'a<b', 'a>b', 'a?b', 'a\\b', 'a|b', 'bell\u0007']) {
      expect(build([sized(bad, 1)])).toThrow(FatImageError);
    }
    expect(build([sized('what?.txt', 1)])).toThrow("/host/what?.txt: the name contains '?', which FAT forbids");
    expect(build([sized('n'.repeat(256), 1)])).toThrow(/256 UTF-16 units long; FAT allows 255/);
  });

  it('rejects names that differ only in case', () => {
    expect(build([sized('Notes.txt', 1), sized('notes.TXT', 1)])).toThrow(/\/host\/notes\.TXT: the name collides with 'Notes\.txt'.*ignore case/);
  });

  it('rejects nesting deeper than the limit', () => {
    let dir = memDir('leaf', []);
    for (let i = 0; i < 4; i++) dir = { ...memDir(`d${i}`, [dir]), hostPath: `/host/d${i}` };
    expect(build([dir] as never, { maxDepth: 5 })).not.toThrow();
    expect(build([dir] as never, { maxDepth: 4 })).toThrow(/nested deeper than the 4 levels/);
  });

  it('rejects content that does not fit a fixed size', () => {
    expect(build([sized('a.bin', 40 * MIB)], { totalBytes: 40 * MIB })).toThrow(/needs \d+ clusters of 512 bytes but a 41943040-byte FAT32 volume holds/);
  });

  it('rejects more entries than a FAT directory holds', () => {
    const files = Array.from({ length: 22000 }, (_, i) => sized(`a fairly long name ${i}.txt`, 0));
    expect(build(files)).toThrow(/needs \d+ directory entries; FAT allows 65536/);
  });

  it('fails when a source yields more or fewer bytes than it declared', async () => {
    const liar: FatSourceFile = { ...memFile('liar.txt', 'abcdef'), size: 10, hostPath: '/host/liar.txt' };
    const drain = async () => {
      for await (const chunk of fat32ImageChunks(planFat32Volume(memDir('', [liar])))) void chunk;
    };
    await expect(drain()).rejects.toThrow('/host/liar.txt: the file shrank while the image was built (6 of 10 bytes)');
  });
});

describe('FAT32 image contents', () => {
  const big = pattern(300_000, 7);
  const tree = memDir('', [
    memFile('README.TXT', 'exact 8.3 name'),
    memFile('a file with a really long name that needs three LFN entries.txt', 'long'),
    memFile('ünïcödé 名前 📁.md', 'unicode'),
    memFile('empty', ''),
    memDir('sub', [memFile('big.bin', big), memDir('deeper', [memFile('leaf.txt', 'leaf')]), memDir('empty folder', [])]),
  ]);

  it('round-trips names, sizes and contents through the reader', async () => {
    const reader = await memReader(await buildInMemory(tree));
    expect(reader.info.volumeLabel).toBe('HVWB');
    const nodes = flatten(await reader.readTree());
    expect([...nodes.keys()].sort()).toEqual([
      'README.TXT',
      'a file with a really long name that needs three LFN entries.txt',
      'empty',
      'sub',
      'sub/big.bin',
      'sub/deeper',
      'sub/deeper/leaf.txt',
      'sub/empty folder',
      'ünïcödé 名前 📁.md',
    ]);
    const file = (p: string) => {
      const node = nodes.get(p)!;
      if (node.kind !== 'file') throw new Error(p);
      return node;
    };
    expect(file('empty').firstCluster).toBe(0);
    expect(Buffer.from(await reader.readFileBytes(file('sub/big.bin'))).equals(Buffer.from(big))).toBe(true);
    expect(new TextDecoder().decode(await reader.readFileBytes(file('ünïcödé 名前 📁.md')))).toBe('unicode');
    expect(nodes.get('README.TXT')!.shortName).toBe('README.TXT');
    expect(nodes.get('sub/big.bin')!.shortName).toBe('BIG.BIN');
    const chain = await reader.clusterChain(file('sub/big.bin').firstCluster, 10_000, 'big');
    expect(chain.length).toBe(Math.ceil(big.length / 512));
    expect(chain.every((c, i) => c === chain[0]! + i)).toBe(true);
  });

  it('stores LFN entries last piece first, with the LAST flag and the short-name checksum', async () => {
    const image = await buildInMemory(memDir('', [memFile('abcdefghijklmnopqrstuvwxyz0.txt', 'x')], T2021), { volumeLabel: '' });
    const plan = planFat32Volume(memDir('', [memFile('abcdefghijklmnopqrstuvwxyz0.txt', 'x')]), { volumeLabel: '' });
    const root = plan.geometry.dataStartSector * 512;
    const entries = [0, 1, 2, 3].map((i) => image.subarray(root + i * 32, root + i * 32 + 32));
    expect(entries.slice(0, 3).map((e) => e[11])).toEqual([ATTR_LONG_NAME, ATTR_LONG_NAME, ATTR_LONG_NAME]);
    expect(entries.slice(0, 3).map((e) => e[0])).toEqual([3 | LFN_LAST_FLAG, 2, 1]);
    const checksum = shortNameChecksum(entries[3]!.subarray(0, 11));
    expect(entries.slice(0, 3).every((e) => e[13] === checksum)).toBe(true);
    expect(String.fromCharCode(...entries[3]!.subarray(0, 11))).toBe('ABCDEF~1TXT');
  });

  it('writes modify, create and access times from the source times', async () => {
    const file = { ...memFile('t.txt', 't', Date.UTC(2021, 2, 4, 5, 6, 9, 730)), birthtimeMs: Date.UTC(2020, 0, 2, 3, 4, 5, 60), atimeMs: Date.UTC(2022, 6, 7, 12) };
    const reader = await memReader(await buildInMemory(memDir('', [file, memFile('old.txt', 'o', Date.UTC(1975, 5, 5))])));
    const nodes = flatten(await reader.readTree());
    expect(nodes.get('t.txt')!.mtimeMs).toBe(Date.UTC(2021, 2, 4, 5, 6, 8));
    expect(nodes.get('t.txt')!.ctimeMs).toBe(Date.UTC(2020, 0, 2, 3, 4, 5, 60));
    expect(nodes.get('t.txt')!.atimeMs).toBe(Date.UTC(2022, 6, 7));
    expect(nodes.get('old.txt')!.mtimeMs).toBe(Date.UTC(1980, 0, 1));
  });

  it('reports progress up to the total, in order', async () => {
    const plan = planFat32Volume(tree);
    const seen: BuildProgress[] = [];
    let lastOffset = -1;
    for await (const chunk of fat32ImageChunks(plan, { onProgress: (p) => seen.push(p) })) {
      expect(chunk.offset).toBeGreaterThan(lastOffset);
      lastOffset = chunk.offset;
    }
    expect(seen.at(-1)!.doneBytes).toBe(plan.writtenBytes);
    expect(seen.every((p, i) => p.totalBytes === plan.writtenBytes && (i === 0 || p.doneBytes > seen[i - 1]!.doneBytes))).toBe(true);
    expect(plan.writtenBytes).toBeLessThan(2 * MIB);
  });

  it('reports damaged chains instead of reading them short', async () => {
    const image = await buildInMemory(tree);
    const plan = planFat32Volume(tree);
    const node = flatten(await (await memReader(image)).readTree()).get('sub/big.bin') as FatFileNode;
    // Point the fourth cluster back at the first: a loop a broken guest driver could leave behind.
    const fatEntry = plan.geometry.reservedSectors * 512 + (node.firstCluster + 3) * 4;
    new DataView(image.buffer).setUint32(fatEntry, node.firstCluster, true);
    await expect((await memReader(image)).readFileBytes(node)).rejects.toThrow(Fat32FormatError);
    new DataView(image.buffer).setUint32(fatEntry, 0, true);
    await expect((await memReader(image)).readFileBytes(node)).rejects.toThrow(/runs into a free cluster/);
  });

  it.skipIf(!fsckFat)('passes fsck.fat, also for a 300 MiB volume with 4 KiB clusters (requires dosfstools)', async () => {
    await withTempDir(async (dir) => {
      for (const [name, options] of [['default.img', {}], ['large.img', { totalBytes: 300 * MIB }]] as const) {
        const plan = planFat32Volume(tree, options);
        const image = new Uint8Array(plan.totalBytes);
        for await (const chunk of fat32ImageChunks(plan)) image.set(chunk.data, chunk.offset);
        const file = path.join(dir, name);
        await writeFile(file, image);
        const fsck = runFsck(file);
        expect(fsck.output).not.toMatch(/differ|wrong|invalid|bad|error/i);
        expect(fsck.status, fsck.output).toBe(0);
        expect(fsck.output).toMatch(/\d+ files, \d+\/\d+ clusters/);
      }
    });
  });
});
