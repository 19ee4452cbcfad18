/**
 * A minimal writer for the cpio "newc" format (what the Linux kernel unpacks as an initramfs), so that
 * building the guest initramfs needs neither the cpio tool nor root: device nodes such as /dev/console
 * are just header fields here. Entries are written in the order given; directories must precede their
 * contents.
 */

const MODE = { file: 0o100000, dir: 0o040000, symlink: 0o120000, char: 0o020000 };

function hex8(value) {
  return (value >>> 0).toString(16).padStart(8, '0');
}

function pad4(length) {
  return (4 - (length % 4)) % 4;
}

/**
 * @param {Array<{path: string, type: 'file'|'dir'|'symlink'|'char', mode?: number, data?: Uint8Array,
 *   target?: string, major?: number, minor?: number}>} entries
 * @returns {Buffer} the archive, ending with the TRAILER!!! entry
 */
export function writeCpioNewc(entries) {
  const parts = [];
  let ino = 1;
  const push = (name, mode, data, rdevMajor, rdevMinor) => {
    const nameBytes = Buffer.from(`${name}\0`, 'utf8');
    const header =
      '070701' +
      hex8(ino++) +
      hex8(mode) +
      hex8(0) + // uid
      hex8(0) + // gid
      hex8(mode & MODE.dir ? 2 : 1) + // nlink
      hex8(0) + // mtime: fixed, so that the archive is reproducible
      hex8(data.length) +
      hex8(0) + hex8(0) + // dev major/minor
      hex8(rdevMajor) + hex8(rdevMinor) +
      hex8(nameBytes.length) +
      hex8(0); // check
    parts.push(Buffer.from(header, 'ascii'), nameBytes, Buffer.alloc(pad4(110 + nameBytes.length)));
    parts.push(Buffer.from(data.buffer, data.byteOffset, data.length), Buffer.alloc(pad4(data.length)));
  };
  for (const e of entries) {
    const name = e.path.replace(/^\/+/, '');
    switch (e.type) {
      case 'dir': push(name, MODE.dir | (e.mode ?? 0o755), new Uint8Array(0), 0, 0); break;
      case 'file': push(name, MODE.file | (e.mode ?? 0o644), e.data ?? new Uint8Array(0), 0, 0); break;
      case 'symlink': push(name, MODE.symlink | 0o777, Buffer.from(e.target ?? '', 'utf8'), 0, 0); break;
      case 'char': push(name, MODE.char | (e.mode ?? 0o600), new Uint8Array(0), e.major ?? 0, e.minor ?? 0); break;
      default: throw new Error(`cpio: unknown entry type ${e.type}`);
    }
  }
  push('TRAILER!!!', 0, new Uint8Array(0), 0, 0);
  return Buffer.concat(parts);
}
