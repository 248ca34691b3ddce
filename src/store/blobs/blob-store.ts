import { SNIFF_BYTES, type ByteRange } from "../../domain/attachments.ts";

/** More bytes arrived than the blob may hold. */
export class BlobTooLarge extends Error {}
/** An append did not start where the stored bytes end. */
export class BlobOffsetMismatch extends Error {}

/** What is known of a blob's bytes once complete. */
export interface SealedBlob {
  sha256: string;
  /** The first bytes, to sniff the type from. */
  head: Uint8Array;
}

/**
 * Where attachments' bytes live: files under the data directory (one server), PostgreSQL (every
 * server serves every attachment). A blob grows by appends (an upload may take several
 * requests), is sealed once complete, and is then read by ranges. Never the whole blob in memory.
 */
export interface BlobStore {
  /** Bytes stored of the blob, sealed or still being written (0 when there are none). */
  length(id: string): Promise<number>;
  /**
   * Stores `body` after the `offset` bytes stored so far, streamed, and returns the new length.
   * Throws BlobOffsetMismatch when `offset` is not the stored length, and BlobTooLarge as soon as a
   * byte would go past `end` (the caller then deletes the blob). A body that breaks off keeps what arrived.
   */
  append(id: string, offset: number, body: AsyncIterable<Uint8Array>, end: number): Promise<number>;
  /** Makes the bytes final: durable, and from here `read` serves them. */
  seal(id: string): Promise<void>;
  /** The bytes of a sealed blob in `range`. */
  read(id: string, range: ByteRange): ReadableStream<Uint8Array>;
  /** Removes the blob, sealed or not; nothing when there is none. */
  delete(id: string): Promise<void>;
  close(): Promise<void>;
}

/** SHA-256 and first bytes of bytes seen in order, from the first: fed as they pass, read when all have. */
export class Digest {
  private readonly hasher = new Bun.CryptoHasher("sha256");
  private readonly head = new Uint8Array(SNIFF_BYTES);
  private headLength = 0;
  /** Bytes fed so far. */
  length = 0;

  update(chunk: Uint8Array): void {
    this.hasher.update(chunk);
    this.length += chunk.length;
    if (this.headLength < SNIFF_BYTES) {
      const part = chunk.subarray(0, SNIFF_BYTES - this.headLength);
      this.head.set(part, this.headLength);
      this.headLength += part.length;
    }
  }

  result(): SealedBlob {
    return { sha256: this.hasher.digest("hex"), head: this.head.subarray(0, this.headLength) };
  }

  /** The digest of a whole stream, read through once. */
  static async of(chunks: AsyncIterable<Uint8Array>): Promise<SealedBlob> {
    const digest = new Digest();
    for await (const chunk of chunks) digest.update(chunk);
    return digest.result();
  }
}
