/**
 * Attachments: files sent with a message. The bytes are uploaded first (an upload is the
 * attachment-to-be, under the same id); a message then refers to the finished upload by id.
 * What a receiver is told of it travels with the message; the bytes are fetched separately.
 */
export interface Attachment {
  id: string;
  /** The file name the sender gave, shown and offered when saving. */
  name: string;
  size: number;
  /** The media type read from the bytes' own signature, never the uploader's claim. */
  type: string;
  sha256: string;
  /** A small image the sender's client made (a `data:` URL), shown before the full image is fetched. */
  preview?: string;
}

/** How long an upload may wait for the message that sends it before its bytes are removed. */
export const UNSENT_UPLOAD_LIFETIME_MS = 24 * 60 * 60 * 1000;

/** Bytes of a file's start that `sniffType` reads: enough for a WebM file's track list. */
export const SNIFF_BYTES = 4096;

const ascii = (text: string) => [...text].map((character) => character.charCodeAt(0));

/** Signatures at the start of a file (at `offset`), in the order they are tried. */
const SIGNATURES: Array<{ type: string; offset?: number; bytes: number[]; also?: { offset: number; bytes: number[] } }> = [
  { type: "image/jpeg", bytes: [0xff, 0xd8, 0xff] },
  { type: "image/png", bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { type: "image/gif", bytes: ascii("GIF87a") },
  { type: "image/gif", bytes: ascii("GIF89a") },
  { type: "image/webp", bytes: ascii("RIFF"), also: { offset: 8, bytes: ascii("WEBP") } },
  { type: "audio/wav", bytes: ascii("RIFF"), also: { offset: 8, bytes: ascii("WAVE") } },
  { type: "application/pdf", bytes: ascii("%PDF-") },
  { type: "audio/ogg", bytes: ascii("OggS") },
  { type: "audio/flac", bytes: ascii("fLaC") },
  { type: "audio/mpeg", bytes: ascii("ID3") },
  { type: "audio/mpeg", bytes: [0xff, 0xfb] },
  { type: "audio/mpeg", bytes: [0xff, 0xf3] },
  { type: "audio/mp4", offset: 4, bytes: ascii("ftypM4A") },
  { type: "video/mp4", offset: 4, bytes: ascii("ftyp") },
  { type: "video/webm", bytes: [0x1a, 0x45, 0xdf, 0xa3] }, // audio/webm when it has no video track: see sniffType
  { type: "application/zip", bytes: [0x50, 0x4b, 0x03, 0x04] },
];

const matchesAt = (head: Uint8Array, offset: number, bytes: number[]) => bytes.every((byte, index) => head[offset + index] === byte);

/**
 * The media type of a file from its first bytes; `application/octet-stream` when no signature
 * matches. Text formats (HTML, SVG, scripts) have no signature and stay octet-stream, so a file
 * named `.jpg` that holds HTML is never served as anything a browser would run.
 */
export function sniffType(head: Uint8Array): string {
  for (const signature of SIGNATURES) {
    if (!matchesAt(head, signature.offset ?? 0, signature.bytes)) continue;
    if (signature.also && !matchesAt(head, signature.also.offset, signature.also.bytes)) continue;
    if (signature.type === "video/webm" && !hasVideoTrack(head)) return "audio/webm";
    return signature.type;
  }
  return "application/octet-stream";
}

/**
 * Whether a WebM file's track list (near its start) names a video codec (`V_VP8`, `V_VP9`, `V_AV1`…);
 * a voice note recorded in a browser has only audio (`A_OPUS`).
 */
function hasVideoTrack(head: Uint8Array): boolean {
  const text = new TextDecoder("latin1").decode(head);
  return /V_(VP8|VP9|AV1|MPEG4|MPEGH)/.test(text) || !/A_(OPUS|VORBIS)/.test(text);
}

/** Whether a browser may show the file in the page (an image, audio or video); everything else is downloaded. */
export function isInlineType(type: string): boolean {
  return /^(image\/(jpeg|png|gif|webp)|audio\/[a-z0-9.+-]+|video\/[a-z0-9.+-]+)$/.test(type);
}

/** The image types a preview may be. */
export const PREVIEW_TYPES = new Set(["image/jpeg", "image/png", "image/webp"]);

/** A byte range of a file of `size` bytes, end exclusive. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * The one range of a `Range: bytes=…` header: null when there is none or it asks for several
 * (the whole file is sent), "unsatisfiable" when it lies outside the file.
 */
export function parseRange(header: string | null | undefined, size: number): ByteRange | null | "unsatisfiable" {
  const match = header?.trim().match(/^bytes=(\d*)-(\d*)$/);
  if (!match) return null;
  const [, first, last] = match;
  if (first === "" && last === "") return null;
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size };
  }
  const start = Number(first);
  if (start >= size) return "unsatisfiable";
  const end = last === "" ? size : Math.min(size, Number(last) + 1);
  if (end <= start) return "unsatisfiable";
  return { start, end };
}

/** `Content-Disposition` with the original name: a plain ASCII fallback and the exact name (RFC 6266). */
export function contentDisposition(kind: "inline" | "attachment", name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** A size for people: 812 B, 14.2 KB, 2.1 MB, 1.3 GB. */
export function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
