import { inflateRawSync } from 'node:zlib';
import { RejectedError } from '../core/errors.ts';

/**
 * A bounded, in-memory zip reader. Entry names are returned as plain strings for matching only:
 * nothing here (or in its callers) ever turns an archive name into a file-system path.
 */
export interface ZipEntry {
  /** The name as stored in the archive (never used as a path). */
  readonly name: string;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  /** Decompresses the entry, checking size and CRC. */
  read(): Uint8Array;
}

export interface ZipReadOptions {
  /** Largest uncompressed entry accepted (default 64 MiB). */
  readonly maxEntryBytes?: number;
  /** Most entries accepted (default 1000). */
  readonly maxEntries?: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;

function bad(reason: string): RejectedError {
  return new RejectedError(`not a readable zip archive: ${reason}`);
}

export function readZipEntries(bytes: Uint8Array, options: ZipReadOptions = {}): ZipEntry[] {
  const maxEntryBytes = options.maxEntryBytes ?? 64 * 1024 * 1024;
  const maxEntries = options.maxEntries ?? 1000;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 22) throw bad('too short');

  // The end-of-central-directory record sits within the last 22 + 65535 bytes (comment length).
  let eocd = -1;
  for (let offset = bytes.byteLength - 22; offset >= Math.max(0, bytes.byteLength - 22 - 0xffff); offset--) {
    if (view.getUint32(offset, true) === EOCD_SIGNATURE) {
      eocd = offset;
      break;
    }
  }
  if (eocd < 0) throw bad('no end-of-central-directory record');
  const count = view.getUint16(eocd + 10, true);
  const directorySize = view.getUint32(eocd + 12, true);
  const directoryOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || directoryOffset === 0xffffffff) throw bad('zip64 archives are not supported');
  if (count > maxEntries) throw bad(`${count} entries exceed the limit of ${maxEntries}`);
  if (directoryOffset + directorySize > eocd) throw bad('central directory out of bounds');

  const entries: ZipEntry[] = [];
  let cursor = directoryOffset;
  for (let index = 0; index < count; index++) {
    if (cursor + 46 > eocd || view.getUint32(cursor, true) !== CENTRAL_SIGNATURE)
      throw bad('corrupt central directory');
    const flags = view.getUint16(cursor + 8, true);
    const method = view.getUint16(cursor + 10, true);
    const crc = view.getUint32(cursor + 16, true);
    const compressedSize = view.getUint32(cursor + 20, true);
    const uncompressedSize = view.getUint32(cursor + 24, true);
    const nameLength = view.getUint16(cursor + 28, true);
    const extraLength = view.getUint16(cursor + 30, true);
    const commentLength = view.getUint16(cursor + 32, true);
    const localOffset = view.getUint32(cursor + 42, true);
    const nameEnd = cursor + 46 + nameLength;
    if (nameEnd > eocd) throw bad('entry name out of bounds');
    const name = new TextDecoder().decode(bytes.subarray(cursor + 46, nameEnd));
    cursor = nameEnd + extraLength + commentLength;

    entries.push({
      name,
      compressedSize,
      uncompressedSize,
      read: () => {
        if (flags & 0x1) throw bad(`entry "${name}" is encrypted`);
        if (uncompressedSize > maxEntryBytes)
          throw bad(`entry "${name}" is ${uncompressedSize} bytes, over the ${maxEntryBytes}-byte limit`);
        if (localOffset + 30 > bytes.byteLength || view.getUint32(localOffset, true) !== LOCAL_SIGNATURE)
          throw bad(`entry "${name}" has no local header`);
        const dataStart =
          localOffset + 30 + view.getUint16(localOffset + 26, true) + view.getUint16(localOffset + 28, true);
        if (dataStart + compressedSize > bytes.byteLength) throw bad(`entry "${name}" is truncated`);
        const raw = bytes.subarray(dataStart, dataStart + compressedSize);
        let data: Uint8Array;
        if (method === 0) data = raw;
        else if (method === 8) {
          try {
            data = inflateRawSync(raw, { maxOutputLength: Math.max(1, uncompressedSize) });
          } catch (error) {
            throw bad(`entry "${name}" does not inflate (${error instanceof Error ? error.message : String(error)})`);
          }
        } else throw bad(`entry "${name}" uses unsupported compression method ${method}`);
        if (data.byteLength !== uncompressedSize)
          throw bad(`entry "${name}" has ${data.byteLength} bytes, expected ${uncompressedSize}`);
        if (crc32(data) !== crc) throw bad(`entry "${name}" fails its CRC check`);
        return new Uint8Array(data);
      },
    });
  }
  return entries;
}

let crcTable: Uint32Array | undefined;

export function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.byteLength; i++) crc = crcTable[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
