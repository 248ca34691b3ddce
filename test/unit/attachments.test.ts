import { describe, expect, test } from "bun:test";
import { contentDisposition, isInlineType, parseRange, sniffType } from "../../src/domain/attachments.ts";

const bytes = (...parts: Array<number[] | string>) =>
  Uint8Array.from(parts.flatMap((part) => (typeof part === "string" ? [...part].map((character) => character.charCodeAt(0)) : part)));

describe("a file's type, from its own first bytes", () => {
  test("images, documents and sound by their signatures", () => {
    expect(sniffType(bytes([0xff, 0xd8, 0xff, 0xe0]))).toBe("image/jpeg");
    expect(sniffType(bytes([0x89], "PNG", [0x0d, 0x0a, 0x1a, 0x0a]))).toBe("image/png");
    expect(sniffType(bytes("RIFF", [0, 0, 0, 0], "WEBP"))).toBe("image/webp");
    expect(sniffType(bytes("RIFF", [0, 0, 0, 0], "WAVE"))).toBe("audio/wav");
    expect(sniffType(bytes("%PDF-1.7"))).toBe("application/pdf");
    expect(sniffType(bytes([0, 0, 0, 0x20], "ftypisom"))).toBe("video/mp4");
    expect(sniffType(bytes([0, 0, 0, 0x20], "ftypM4A "))).toBe("audio/mp4");
  });

  test("a WebM file is audio unless its track list names a video codec (a browser's voice note is audio)", () => {
    const webm = [0x1a, 0x45, 0xdf, 0xa3];
    expect(sniffType(bytes(webm, "webm....A_OPUS"))).toBe("audio/webm");
    expect(sniffType(bytes(webm, "webm....V_VP8....A_OPUS"))).toBe("video/webm");
  });

  test("text formats have no signature: HTML or SVG named .jpg is octet-stream, never shown inline", () => {
    const html = sniffType(bytes("<html><script>alert(1)</script>"));
    const svg = sniffType(bytes('<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'));
    expect([html, svg]).toEqual(["application/octet-stream", "application/octet-stream"]);
    expect(isInlineType(html)).toBe(false);
    expect(isInlineType("image/svg+xml")).toBe(false);
    expect(isInlineType("image/png")).toBe(true);
  });
});

describe("Range and Content-Disposition", () => {
  test("one range of bytes, from either end; several or none mean the whole file", () => {
    expect(parseRange("bytes=0-9", 100)).toEqual({ start: 0, end: 10 });
    expect(parseRange("bytes=90-", 100)).toEqual({ start: 90, end: 100 });
    expect(parseRange("bytes=-10", 100)).toEqual({ start: 90, end: 100 });
    expect(parseRange("bytes=50-500", 100)).toEqual({ start: 50, end: 100 });
    expect(parseRange("bytes=100-", 100)).toBe("unsatisfiable");
    expect(parseRange("bytes=0-1,5-6", 100)).toBeNull();
    expect(parseRange(undefined, 100)).toBeNull();
  });

  test("the original name exactly, with a plain fallback that cannot break the header", () => {
    expect(contentDisposition("attachment", 'Bericht "März".pdf')).toBe(`attachment; filename="Bericht _M_rz_.pdf"; filename*=UTF-8''Bericht%20%22M%C3%A4rz%22.pdf`);
  });
});
