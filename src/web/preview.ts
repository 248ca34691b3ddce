import { MAX_PREVIEW_CHARS } from "../protocol/uploads.ts";

/** The longest side of a preview, in pixels. */
const PREVIEW_PX = 320;

/**
 * A small JPEG of an image file as a `data:` URL, sent with the message so receivers see it at once;
 * undefined for what is no image the browser can draw, or when even a rough one is too large.
 */
export async function imagePreview(file: File): Promise<string | undefined> {
  if (!/^image\/(jpeg|png|gif|webp)$/.test(file.type)) return undefined;
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return undefined;
  }
  const scale = Math.min(1, PREVIEW_PX / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  canvas.getContext("2d")!.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  for (const quality of [0.7, 0.5, 0.3]) {
    const url = canvas.toDataURL("image/jpeg", quality);
    if (url.length <= MAX_PREVIEW_CHARS) return url;
  }
  return undefined;
}
