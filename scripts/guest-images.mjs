/**
 * Fetches the Linux guest images for the boot tests and benchmarks of one architecture (riscv64 by
 * default, aarch64 or loongarch64): Debian's kernel (linux-image-riscv64 / -arm64 / -loong64 from unstable,
 * resolved to the real package holding the image, its unsigned build where Debian signs one), the
 * kernel modules of the same version and busybox-static, then builds an initramfs from busybox,
 * guest/<arch>/linux/init and the modules named in guest/<arch>/linux/modules (with their
 * dependencies, decompressed so that busybox insmod loads them). The kernel is cached as the raw
 * `Image` the boot protocol loads: Debian's vmlinuz is gzip'd, or for arm64 possibly an EFI zboot
 * executable (a PE file with a gzip or zstd payload), decompressed here.
 *
 * The mirror is whatever this machine's apt configuration names (no host name is written in the
 * repository). Chain of trust: InRelease checked with gpgv against the source's Signed-By keyring, the
 * Packages index against InRelease's SHA256, each .deb against the index's SHA256.
 *
 * Usage: node scripts/guest-images.mjs [--arch riscv64|aarch64|loongarch64] [--cached-only]
 *   --arch         the guest architecture (default riscv64).
 *   --cached-only  exit 0 when everything is cached and current (no network), 3 otherwise.
 *   A changed init is rebuilt offline; a changed module list needs the modules package again.
 * Cache: $HVWB_CACHE/guest-images/<arch> (default ~/.cache/hvwb/guest-images/<arch>), linked as
 * examples/<arch>-linux-root/images.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, lstatSync, readlinkSync, unlinkSync, writeFileSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { writeCpioNewc } from './cpio-newc.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SUITE = 'unstable';
const DEFAULT_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

/**
 * What differs between the architectures, as data: Debian's name for the architecture (the package
 * index, the kernel flavour suffix) and the raw kernel image's magic (offset and bytes, from each
 * architecture's boot protocol).
 */
export const ARCHES = {
  riscv64: { debian: 'riscv64', imageMagic: { offset: 0x30, bytes: 'RISCV\0\0\0', text: '"RISCV" magic at 0x30', kind: 'a RISC-V Image' } },
  aarch64: { debian: 'arm64', imageMagic: { offset: 0x38, bytes: 'ARM\x64', text: '"ARM\\x64" magic at 0x38', kind: 'an arm64 Image' } },
  // LoongArch's kernel is an EFI stub (PE) image; arch/loongarch/kernel/head.S puts LINUX_PE_MAGIC
  // (0x818223cd, le32) at 0x38, and the entry point and size as le64 at 0x8 and 0x10.
  loongarch64: { debian: 'loong64', imageMagic: { offset: 0x38, bytes: '\xcd\x23\x82\x81', text: 'LINUX_PE_MAGIC at 0x38', kind: 'a LoongArch EFI-stub Image' } },
};

/** The architecture of `--arch NAME` / `--arch=NAME` (riscv64 without it). */
export function parseArch(argv) {
  let name = 'riscv64';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--arch') name = argv[++i] ?? '';
    else if (argv[i].startsWith('--arch=')) name = argv[i].slice('--arch='.length);
  }
  if (!Object.hasOwn(ARCHES, name)) throw new UserError(`unknown architecture "${name}" (known: ${Object.keys(ARCHES).join(', ')})`);
  return name;
}

// The architecture this run fetches for; main() sets it before anything below reads it.
let GUEST = 'riscv64';
let ARCH = 'riscv64';
let INIT = '';
let MODULE_LIST = '';
let LAYOUT_LINK = '';
let CACHE = '';
let MANIFEST = '';
let MAGIC = ARCHES.riscv64.imageMagic;

function selectArch(name) {
  GUEST = name;
  ARCH = ARCHES[name].debian;
  MAGIC = ARCHES[name].imageMagic;
  INIT = path.join(ROOT, `guest/${name}/linux/init`);
  MODULE_LIST = path.join(ROOT, `guest/${name}/linux/modules`);
  LAYOUT_LINK = path.join(ROOT, `examples/${name}-linux-root/images`);
  const cacheRoot = process.env.HVWB_CACHE || path.join(os.homedir(), '.cache/hvwb');
  CACHE = path.join(cacheRoot, 'guest-images', name);
  MANIFEST = path.join(CACHE, 'images.json');
}

const log = (text) => process.stdout.write(`fetch-guest-images: ${text}\n`);
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** Every `deb` source of the apt configuration: deb822 *.sources and one-line sources.list / *.list. */
export function aptSources() {
  const sources = [];
  const files = ['/etc/apt/sources.list'];
  const dir = '/etc/apt/sources.list.d';
  if (existsSync(dir)) for (const f of readdirSync(dir).sort()) if (f.endsWith('.list') || f.endsWith('.sources')) files.push(path.join(dir, f));
  for (const file of files) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    if (file.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const fields = {};
        for (const line of stanza.split('\n')) {
          const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
          if (m && !line.startsWith('#')) fields[m[1].toLowerCase()] = m[2].trim();
        }
        if (!fields.types?.split(/\s+/).includes('deb') || fields.enabled === 'no') continue;
        for (const uri of (fields.uris ?? '').split(/\s+/).filter(Boolean)) sources.push({ uri, signedBy: fields['signed-by'] });
      }
    } else {
      for (const raw of text.split('\n')) {
        const line = raw.replace(/#.*/, '').trim();
        const m = /^deb\s+(?:\[([^\]]*)\]\s+)?(\S+)/.exec(line);
        if (!m) continue;
        const signed = /signed-by=(\S+)/.exec(m[1] ?? '');
        sources.push({ uri: m[2], signedBy: signed?.[1] });
      }
    }
  }
  const seen = new Set();
  return sources.filter((s) => /^https?:\/\//.test(s.uri) && !seen.has(s.uri) && seen.add(s.uri));
}

function download(url, file) {
  execFileSync('curl', ['-fsSL', '--retry', '3', '-m', '900', '-o', file, url], { stdio: ['ignore', 'ignore', 'pipe'] });
}

function tryDownload(url, file) {
  try {
    download(url, file);
    return true;
  } catch {
    return false;
  }
}

/** The mirror (first apt source whose `unstable` suite carries the architecture) with its verified InRelease. */
function findMirror(work) {
  const sources = aptSources();
  if (sources.length === 0) throw new UserError('no apt sources found (/etc/apt/sources.list, /etc/apt/sources.list.d/)');
  for (const source of sources) {
    const base = source.uri.replace(/\/+$/, '');
    const file = path.join(work, 'InRelease');
    if (!tryDownload(`${base}/dists/${SUITE}/InRelease`, file)) continue;
    const text = readFileSync(file, 'utf8');
    const arches = /^Architectures:(.*)$/m.exec(text)?.[1].trim().split(/\s+/) ?? [];
    if (!arches.includes(ARCH)) continue;
    verifySignature(file, source.signedBy);
    return { base, release: text };
  }
  throw new UserError(`none of the apt sources (${sources.map((s) => s.uri).join(', ')}) has a '${SUITE}' suite for ${ARCH}`);
}

function verifySignature(file, signedBy) {
  const keyring = signedBy && signedBy.startsWith('/') && existsSync(signedBy) ? signedBy : DEFAULT_KEYRING;
  if (!existsSync(keyring)) {
    log(`warning: no keyring (${keyring}); InRelease signature not checked, only checksums`);
    return;
  }
  try {
    execFileSync('gpgv', ['--keyring', keyring, file], { stdio: ['ignore', 'ignore', 'pipe'] });
    log(`InRelease signature verified with ${keyring}`);
  } catch (error) {
    // The suite of another release may be signed by keys a stable machine's keyring does not hold yet.
    const unknownKey = /No public key|ENOENT/.test(String(error.stderr ?? error.message));
    if (!unknownKey) throw new UserError(`InRelease signature check failed: ${String(error.stderr ?? error.message).trim()}`);
    log(`warning: InRelease signed by a key ${keyring} does not hold; relying on checksums only`);
  }
}

function packagesIndex(work, mirror) {
  const name = `main/binary-${ARCH}/Packages.xz`;
  const line = mirror.release
    .split(/^SHA256:$/m)[1]
    ?.split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find((f) => f[2] === name);
  if (!line) throw new UserError(`InRelease lists no ${name}`);
  const file = path.join(work, 'Packages.xz');
  download(`${mirror.base}/dists/${SUITE}/${name}`, file);
  if (sha256(readFileSync(file)) !== line[0]) throw new UserError(`${name}: SHA256 does not match InRelease`);
  const text = execFileSync('xz', ['-dc', file], { maxBuffer: 1 << 30 }).toString('utf8');
  const packages = new Map();
  for (const stanza of text.split('\n\n')) {
    const fields = {};
    let key = '';
    for (const l of stanza.split('\n')) {
      if (/^\s/.test(l)) continue;
      const i = l.indexOf(':');
      if (i <= 0) continue;
      key = l.slice(0, i);
      fields[key] = l.slice(i + 1).trim();
    }
    if (fields.Package) packages.set(fields.Package, fields);
  }
  return packages;
}

function fetchDeb(work, mirror, packages, name) {
  const p = packages.get(name);
  if (!p) throw new UserError(`package ${name} is not in ${SUITE}/${ARCH}`);
  const file = path.join(work, path.basename(p.Filename));
  log(`downloading ${name} ${p.Version} (${(Number(p.Size) / 1e6).toFixed(1)} MB)`);
  download(`${mirror.base}/${p.Filename}`, file);
  const bytes = readFileSync(file);
  if (bytes.length !== Number(p.Size) || sha256(bytes) !== p.SHA256) throw new UserError(`${p.Filename}: size or SHA256 does not match the Packages index`);
  const dir = path.join(work, name);
  mkdirSync(dir, { recursive: true });
  execFileSync('dpkg-deb', ['-x', file, dir]);
  return { dir, name, version: p.Version, sha256: p.SHA256 };
}

const dependsOf = (p) => (p.Depends ?? '').split(',').map((d) => d.trim().split(/\s/)[0]);

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The real kernel package behind the linux-image-<debian arch> metapackage and its ABI (the version
 * and flavour, e.g. 7.2.13+deb14-arm64, which names the modules packages):
 * linux-image-<abi>, or the linux-binary-<abi> it depends on where the image itself moved there
 * (Debian 7.x). Where Debian signs the kernel for Secure Boot (arm64, amd64) the same build exists
 * unsigned, as linux-binary-unsigned-<abi> (7.x) or linux-image-<abi>-unsigned (6.x); that one is
 * taken, being the kernel as built.
 */
export function kernelPackage(packages, debianArch = 'riscv64') {
  const metaName = `linux-image-${debianArch}`;
  const flavour = escapeRegExp(debianArch);
  const meta = packages.get(metaName);
  if (!meta) throw new UserError(`${metaName} is not in ${SUITE}/${debianArch}`);
  const image = dependsOf(meta).find((d) => new RegExp(`^linux-image-\\d.*-${flavour}$`).test(d));
  if (!image || !packages.has(image)) throw new UserError(`cannot resolve ${metaName} (Depends: ${meta.Depends})`);
  const abi = image.replace(/^linux-image-/, '');
  const binary = dependsOf(packages.get(image)).find((d) => new RegExp(`^linux-binary-\\d.*-${flavour}$`).test(d));
  const candidates = [`linux-binary-unsigned-${abi}`, `linux-image-${abi}-unsigned`, ...(binary ? [binary] : []), image];
  return { name: candidates.find((n) => packages.has(n)), abi };
}

/**
 * The payload of an EFI zboot image (Linux's self-decompressing EFI executable, CONFIG_EFI_ZBOOT):
 * "MZ" at 0, "zimg" at 4, the payload's offset and size as le32 at 8 and 12, its compression as a
 * NUL-terminated name at 24. Undefined when `bytes` is no zboot image.
 */
export function zbootPayload(bytes) {
  if (bytes.length < 64 || bytes[0] !== 0x4d || bytes[1] !== 0x5a || Buffer.from(bytes.subarray(4, 8)).toString('latin1') !== 'zimg') return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const offset = view.getUint32(8, true);
  const size = view.getUint32(12, true);
  const end = bytes.indexOf(0, 24);
  const compression = Buffer.from(bytes.subarray(24, end < 0 || end > 56 ? 56 : end)).toString('latin1');
  if (offset + size > bytes.length) throw new UserError(`zboot image: payload ${offset}+${size} runs past the end of the file (${bytes.length} bytes)`);
  return { compression, data: bytes.subarray(offset, offset + size) };
}

function zstdDecompress(data) {
  try {
    return execFileSync('zstd', ['-dc'], { input: data, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (error) {
    if (error.code === 'ENOENT') throw new UserError('zstd is needed to decompress the kernel (apt-get install zstd)');
    throw new UserError(`zstd -dc (kernel): ${String(error.stderr ?? error.message).trim()}`);
  }
}

/**
 * The raw `Image` from the package's vmlinuz: uncompressed, gzip'd, or (arm64) an EFI zboot image
 * whose payload is gzip or zstd. `magic` is the architecture's (ARCHES[arch].imageMagic).
 */
export function rawImage(bytes, magic = ARCHES.riscv64.imageMagic) {
  let image = bytes;
  const zboot = zbootPayload(image);
  if (zboot) {
    if (zboot.compression === 'gzip') image = gunzipSync(zboot.data);
    else if (zboot.compression === 'zstd') image = zstdDecompress(zboot.data);
    else throw new UserError(`the kernel is an EFI zboot image compressed with "${zboot.compression}"; only gzip and zstd are handled`);
  } else if (image[0] === 0x1f && image[1] === 0x8b) image = gunzipSync(image);
  const found = Buffer.from(image.subarray(magic.offset, magic.offset + magic.bytes.length)).toString('latin1');
  if (found !== magic.bytes) throw new UserError(`the kernel is not ${magic.kind} (no ${magic.text})`);
  return image;
}

/**
 * Where the package keeps the kernel: /boot/vmlinuz-<ver> (Debian 6.x) or /usr/lib/modules/<ver>/vmlinuz
 * (7.x), vmlinuz.unsigned in the unsigned build of a signed kernel (linux-binary-unsigned-<abi>).
 */
function findVmlinuz(dir) {
  const boot = path.join(dir, 'boot');
  if (existsSync(boot)) {
    const f = readdirSync(boot).find((n) => n.startsWith('vmlinuz-') || n.startsWith('vmlinux-'));
    if (f) return path.join('boot', f);
  }
  const modules = path.join(dir, 'usr/lib/modules');
  if (existsSync(modules)) {
    for (const v of readdirSync(modules)) {
      for (const name of ['vmlinuz', 'vmlinuz.unsigned']) if (existsSync(path.join(modules, v, name))) return path.join('usr/lib/modules', v, name);
    }
  }
  return undefined;
}

/** Module names are file names without .ko(.xz|.zst|.gz); '-' and '_' are the same in them. */
export const moduleName = (file) =>
  path
    .basename(file.trim())
    .replace(/\.ko(\.(xz|zst|gz))?$/, '')
    .replace(/-/g, '_');

/** The names in guest/<arch>/linux/modules: one a line, # starts a comment. */
export function parseModuleList(text) {
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean)
    .map(moduleName);
}

/** The key=value strings of a module's .modinfo section (ELF64 little-endian); the first of each key. */
export function modinfo(elf) {
  if (elf.length < 0x40 || elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) throw new UserError('not an ELF64 little-endian module');
  const shoff = Number(elf.readBigUInt64LE(0x28));
  const shentsize = elf.readUInt16LE(0x3a);
  const shnum = elf.readUInt16LE(0x3c);
  const section = (i) => {
    const h = shoff + i * shentsize;
    return { name: elf.readUInt32LE(h), offset: Number(elf.readBigUInt64LE(h + 0x18)), size: Number(elf.readBigUInt64LE(h + 0x20)) };
  };
  const names = section(elf.readUInt16LE(0x3e));
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    const start = names.offset + s.name;
    if (elf.toString('latin1', start, elf.indexOf(0, start)) !== '.modinfo') continue;
    const info = {};
    for (const entry of elf.toString('utf8', s.offset, s.offset + s.size).split('\0')) {
      const eq = entry.indexOf('=');
      if (eq > 0 && !(entry.slice(0, eq) in info)) info[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    return info;
  }
  return {};
}

/** A module file's ELF bytes: Debian compresses modules with xz (zstd or gzip on other configurations). */
function decompressModule(file) {
  const run = (tool) => {
    try {
      return execFileSync(tool, ['-dc', file], { maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      if (error.code === 'ENOENT') throw new UserError(`${tool} is needed to decompress ${path.basename(file)} (apt-get install ${tool === 'xz' ? 'xz-utils' : tool})`);
      throw new UserError(`${tool} -dc ${file}: ${String(error.stderr ?? error.message).trim()}`);
    }
  };
  if (file.endsWith('.xz')) return run('xz');
  if (file.endsWith('.zst')) return run('zstd');
  if (file.endsWith('.gz')) return gunzipSync(readFileSync(file));
  return readFileSync(file);
}

/**
 * The modules of kernel release `release` in the extracted packages `dirs`: every *.ko* file under
 * (usr/)lib/modules/<release>/ by name, and the names of modules.builtin (modules built into the image).
 */
function moduleTree(dirs, release) {
  const files = new Map();
  const builtin = new Set();
  const walk = (abs, rel) => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      const a = path.join(abs, entry.name);
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(a, r);
      else if (/\.ko(\.(xz|zst|gz))?$/.test(entry.name)) files.set(moduleName(entry.name), { abs: a, rel: r });
    }
  };
  for (const dir of dirs) {
    for (const base of ['usr/lib/modules', 'lib/modules']) {
      const top = path.join(dir, base, release);
      if (!existsSync(top)) continue;
      for (const sub of readdirSync(top, { withFileTypes: true })) if (sub.isDirectory() && sub.name !== 'dtb') walk(path.join(top, sub.name), sub.name);
      const list = path.join(top, 'modules.builtin');
      if (existsSync(list)) for (const line of readFileSync(list, 'utf8').split('\n')) if (line.trim()) builtin.add(moduleName(line));
    }
  }
  return { files, builtin };
}

/**
 * The wanted modules and everything they depend on, in load order (each after its dependencies), from
 * each module's `depends=` (what depmod turns into modules.dep; Debian generates that file only when the
 * package is installed). Built-in names are left out and returned apart. Each module is decompressed
 * into `outDir` at its path relative to the release directory, without the compression suffix.
 */
function resolveModules(wanted, tree, release, outDir) {
  const load = [];
  const builtin = [];
  const state = new Map();
  const visit = (name, chain) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new UserError(`module dependency cycle: ${[...chain, name].join(' -> ')}`);
    const file = tree.files.get(name);
    if (!file) {
      if (!tree.builtin.has(name)) throw new UserError(`module ${name}${chain.length ? ` (needed by ${chain.at(-1)})` : ''} is neither in the modules package nor built into the kernel`);
      if (!builtin.includes(name)) builtin.push(name);
      state.set(name, 'done');
      return;
    }
    state.set(name, 'visiting');
    const elf = decompressModule(file.abs);
    const info = modinfo(elf);
    // A module built for another kernel would be refused by the guest at boot; fail here instead.
    if (info.vermagic && !info.vermagic.startsWith(`${release} `)) throw new UserError(`${file.rel}: vermagic "${info.vermagic}" is not for ${release}`);
    const deps = (info.depends ?? '').split(',').filter(Boolean).map(moduleName);
    for (const dep of deps) visit(dep, [...chain, name]);
    const rel = file.rel.replace(/\.(xz|zst|gz)$/, '');
    mkdirSync(path.dirname(path.join(outDir, rel)), { recursive: true });
    writeFileSync(path.join(outDir, rel), elf);
    state.set(name, 'done');
    load.push({ name, path: rel, deps, size: elf.length });
  };
  for (const name of wanted) visit(name, []);
  return { load, builtin };
}

/** Where the cache keeps the decompressed modules of the manifest. */
const modulesCacheDir = (modules) => path.join(CACHE, 'modules', modules.release);

function buildInitramfs(busybox, modules) {
  const dirs = ['bin', 'sbin', 'usr', 'usr/bin', 'usr/sbin', 'dev', 'proc', 'sys', 'tmp', 'root', 'etc', 'run', 'mnt', 'lib', 'lib/modules'];
  const entries = [
    // The kernel opens /dev/console for init before anything is mounted.
    { path: 'dev/console', type: 'char', major: 5, minor: 1 },
    { path: 'bin/busybox', type: 'file', mode: 0o755, data: busybox },
    { path: 'bin/sh', type: 'symlink', target: 'busybox' },
    { path: 'init', type: 'file', mode: 0o755, data: readFileSync(INIT) },
  ];
  const top = `lib/modules/${modules.release}`;
  dirs.push(top);
  const byName = new Map(modules.load.map((m) => [m.name, m]));
  for (const m of modules.load) {
    const parts = m.path.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const d = `${top}/${parts.slice(0, i).join('/')}`;
      if (!dirs.includes(d)) dirs.push(d);
    }
    entries.push({ path: `${top}/${m.path}`, type: 'file', data: readFileSync(path.join(modulesCacheDir(modules), m.path)) });
  }
  // modules.dep lets busybox modprobe load any of them by name; /init reads etc/hvwb-modules instead,
  // the load order as "name path" lines.
  const dep = modules.load.map((m) => `${m.path}:${m.deps.map((d) => ` ${byName.get(d).path}`).join('')}\n`).join('');
  entries.push({ path: `${top}/modules.dep`, type: 'file', data: Buffer.from(dep) });
  const order = modules.load.map((m) => `${m.name} /${top}/${m.path}\n`).join('');
  entries.push({ path: 'etc/hvwb-modules', type: 'file', data: Buffer.from(order) });
  const archive = writeCpioNewc([...dirs.map((d) => ({ path: d, type: 'dir' })), ...entries]);
  return gzipSync(archive, { level: 9 });
}

function linkLayout() {
  let current;
  try {
    current = lstatSync(LAYOUT_LINK).isSymbolicLink() ? readlinkSync(LAYOUT_LINK) : 'not a link';
  } catch {
    current = undefined;
  }
  if (current === CACHE) return;
  if (current === 'not a link') {
    log(`warning: ${LAYOUT_LINK} exists and is not a symlink; left alone`);
    return;
  }
  if (current !== undefined) unlinkSync(LAYOUT_LINK);
  symlinkSync(CACHE, LAYOUT_LINK);
}

function readManifest() {
  try {
    return JSON.parse(readFileSync(MANIFEST, 'utf8'));
  } catch {
    return undefined;
  }
}

/** What the initramfs is built from besides the packages: the init script and the module list. */
function inputs() {
  const wanted = parseModuleList(readFileSync(MODULE_LIST, 'utf8'));
  return { wanted, initSha256: sha256(readFileSync(INIT)), listSha256: sha256(Buffer.from(wanted.join('\n'))) };
}

/** The cached kernel, busybox and modules match the module list, so only the initramfs may need building. */
function hasParts(manifest, input) {
  return (
    manifest !== undefined &&
    existsSync(path.join(CACHE, 'Image')) &&
    existsSync(path.join(CACHE, 'busybox')) &&
    manifest.modules?.listSha256 === input.listSha256 &&
    manifest.modules.load.every((m) => existsSync(path.join(modulesCacheDir(manifest.modules), m.path)))
  );
}

function isCurrent(manifest, input) {
  return hasParts(manifest, input) && existsSync(path.join(CACHE, 'initramfs.cpio.gz')) && manifest.init?.sha256 === input.initSha256;
}

function report(manifest) {
  const m = manifest.modules;
  const size = (file) => `${(readFileSync(path.join(CACHE, file)).length / 1024).toFixed(0)} KiB`;
  log(`kernel    ${path.join(CACHE, 'Image')} (${manifest.kernel.package} ${manifest.kernel.version})`);
  log(`initramfs ${path.join(CACHE, 'initramfs.cpio.gz')} (${size('initramfs.cpio.gz')}; busybox-static ${manifest.busybox.version})`);
  log(`modules   ${m.load.map((x) => x.name).join(' ')} (${m.package} ${m.version})${m.builtin.length ? `; built in: ${m.builtin.join(' ')}` : ''}`);
  log(`layout    examples/${GUEST}-linux-root/images -> ${CACHE}`);
}

class UserError extends Error {}

/**
 * The modules of the kernel package `kernelName`: linux-modules-<abi> and linux-base-<abi> (which holds
 * modules.builtin) of the same version where the kernel was split (Debian 7.x), else the kernel
 * package itself (fetched by the caller, `kernelDir`).
 */
function fetchModules(work, mirror, packages, kernelName, abi, kernelDir, input) {
  const version = packages.get(kernelName).Version;
  const names = [`linux-modules-${abi}`, `linux-base-${abi}`].filter((n) => packages.has(n));
  const debs = names.map((n) => {
    if (packages.get(n).Version !== version) throw new UserError(`${n} is ${packages.get(n).Version}, the kernel ${kernelName} is ${version}`);
    return fetchDeb(work, mirror, packages, n);
  });
  const dirs = [...(kernelDir ? [kernelDir] : []), ...debs.map((d) => d.dir)];
  const tree = moduleTree(dirs, abi);
  if (tree.files.size === 0) throw new UserError(`no kernel modules for ${abi} in ${[kernelName, ...names].join(', ')}`);
  const outDir = path.join(work, 'modules', abi);
  const { load, builtin } = resolveModules(input.wanted, tree, abi, outDir);
  const source = debs[0] ?? { name: kernelName, version, sha256: undefined };
  return { outDir, modules: { package: source.name, version: source.version, debSha256: source.sha256, release: abi, listSha256: input.listSha256, load, builtin } };
}

function main() {
  selectArch(parseArch(process.argv.slice(2)));
  const cachedOnly = process.argv.includes('--cached-only');
  const manifest = readManifest();
  const input = inputs();
  if (isCurrent(manifest, input)) {
    linkLayout();
    report(manifest);
    return 0;
  }
  if (hasParts(manifest, input)) {
    // Only the init script changed: rebuild the initramfs without the network.
    writeFileSync(path.join(CACHE, 'initramfs.cpio.gz'), buildInitramfs(readFileSync(path.join(CACHE, 'busybox')), manifest.modules));
    const next = { ...manifest, init: { sha256: input.initSha256 } };
    writeFileSync(MANIFEST, `${JSON.stringify(next, null, 2)}\n`);
    linkLayout();
    report(next);
    return 0;
  }
  if (cachedOnly) return 3;
  mkdirSync(CACHE, { recursive: true });
  const work = mkdtempSync(path.join(CACHE, '.work-'));
  try {
    const mirror = findMirror(work);
    log(`mirror ${mirror.base} (from the apt configuration), suite ${SUITE}`);
    const packages = packagesIndex(work, mirror);
    const { name: kernelName, abi } = kernelPackage(packages, ARCH);
    // The cached kernel and busybox stay when the index still has that kernel and its modules live in
    // their own package: then a new module list costs only the modules download.
    const keep =
      manifest?.kernel?.package === kernelName &&
      manifest.kernel.version === packages.get(kernelName).Version &&
      manifest.busybox !== undefined &&
      packages.has(`linux-modules-${abi}`) &&
      existsSync(path.join(CACHE, 'Image')) &&
      existsSync(path.join(CACHE, 'busybox'));
    const write = (name, bytes) => {
      writeFileSync(path.join(work, name), bytes);
      renameSync(path.join(work, name), path.join(CACHE, name));
    };
    let kernelInfo = manifest?.kernel;
    let busyboxInfo = manifest?.busybox;
    let kernelDir;
    if (!keep) {
      const kernel = fetchDeb(work, mirror, packages, kernelName);
      const busybox = fetchDeb(work, mirror, packages, 'busybox-static');
      const vmlinuz = findVmlinuz(kernel.dir);
      if (!vmlinuz) throw new UserError(`${kernelName} has neither /boot/vmlinuz-* nor /usr/lib/modules/*/vmlinuz`);
      const image = rawImage(readFileSync(path.join(kernel.dir, vmlinuz)), MAGIC);
      // /usr/bin since Debian's merged-/usr packages, /bin before.
      const busyboxPath = ['usr/bin/busybox', 'bin/busybox'].map((p) => path.join(busybox.dir, p)).find((p) => existsSync(p));
      if (!busyboxPath) throw new UserError('busybox-static has no /usr/bin/busybox or /bin/busybox');
      write('Image', image);
      write('busybox', readFileSync(busyboxPath));
      kernelDir = kernel.dir;
      kernelInfo = { package: kernel.name, version: kernel.version, debSha256: kernel.sha256, file: vmlinuz, imageSha256: sha256(image) };
      busyboxInfo = { package: busybox.name, version: busybox.version, debSha256: busybox.sha256 };
    }
    const { outDir, modules } = fetchModules(work, mirror, packages, kernelName, abi, kernelDir, input);
    rmSync(path.join(CACHE, 'modules'), { recursive: true, force: true });
    mkdirSync(path.join(CACHE, 'modules'), { recursive: true });
    renameSync(outDir, modulesCacheDir(modules));
    write('initramfs.cpio.gz', buildInitramfs(readFileSync(path.join(CACHE, 'busybox')), modules));
    const next = { suite: SUITE, kernel: kernelInfo, busybox: busyboxInfo, modules, init: { sha256: input.initSha256 } };
    writeFileSync(MANIFEST, `${JSON.stringify(next, null, 2)}\n`);
    linkLayout();
    report(next);
    return 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// Run as a script; imported (by the tests) it only exports its helpers.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main();
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    process.stderr.write(`fetch-guest-images: ${error.message}\n`);
    process.exitCode = 2;
  }
}
