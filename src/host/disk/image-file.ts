/** Opens a FAT32 image file for the core reader: sector reads become positioned file reads. */
import { open, type FileHandle } from 'node:fs/promises';
import { Fat32Reader } from '../../core/disk/fat32-reader';
import { SECTOR_BYTES } from '../../core/disk/fat32-format';

export interface OpenImage {
  readonly reader: Fat32Reader;
  close(): Promise<void>;
}

export async function openImageFile(imagePath: string): Promise<OpenImage> {
  const handle: FileHandle = await open(imagePath, 'r');
  try {
    const reader = await Fat32Reader.open(async (lba, count) => {
      const buffer = Buffer.alloc(count * SECTOR_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, lba * SECTOR_BYTES);
      // Past the end of a truncated image reads as zeros, like an unwritten sparse region.
      buffer.fill(0, bytesRead);
      return buffer;
    });
    return { reader, close: () => handle.close() };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
