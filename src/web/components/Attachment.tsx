import { useState } from "preact/hooks";
import { formatSize, isInlineType } from "../../domain/attachments.ts";
import type { AttachmentInfo } from "../../protocol/index.ts";
import { PaperclipIcon } from "./icons.tsx";

const urlOf = (attachment: AttachmentInfo) => `/api/attachments/${encodeURIComponent(attachment.id)}`;

/**
 * A file in a message: an image inline (its preview at once, the full image on click), audio and
 * video with the browser's player, anything else a card with a download link.
 */
export function AttachmentView({ attachment }: { attachment: AttachmentInfo }) {
  const [full, setFull] = useState(false);
  const url = urlOf(attachment);
  if (attachment.type.startsWith("image/") && isInlineType(attachment.type)) {
    const source = full || !attachment.preview ? url : attachment.preview;
    return (
      <button type="button" class={`attachment-image ${full ? "full" : ""}`} aria-label={full ? `${attachment.name}, full size` : `Show ${attachment.name} in full`} onClick={() => setFull(!full)}>
        <img src={source} alt={attachment.name} />
      </button>
    );
  }
  if (attachment.type.startsWith("audio/")) return <audio class="attachment-media" controls preload="metadata" src={url} aria-label={attachment.name} />;
  if (attachment.type.startsWith("video/")) return <video class="attachment-media" controls preload="metadata" src={url} aria-label={attachment.name} />;
  return (
    <div class="file-card">
      <span class="file-icon">
        <PaperclipIcon />
      </span>
      <span class="file-name">{attachment.name}</span>
      <span class="file-size">{formatSize(attachment.size)}</span>
      <a href={url} download={attachment.name}>
        Download
      </a>
    </div>
  );
}
