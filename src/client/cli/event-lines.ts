import type { StreamEvent } from "../../protocol/index.ts";
import { messageText, PLAIN, speaker, type Style } from "./format.ts";
import { noticeLine } from "./notices.ts";
import { sanitize } from "./sanitize.ts";

/** How a line names another message: `^12` (interactive), `^<id>` (script mode), or "an earlier message". */
export type Label = (id: string) => string;

/**
 * One line for an event of a conversation, as script mode prints it (and the interactive client
 * when the message it refers to is no longer on screen). Plain messages keep their line,
 * `[alice]: text`; the rest say what happened to which message:
 * `[alice] (reply to ^id): text`, `[alice] edited ^id: new text`, `[alice] deleted ^id`,
 * `[bob] reacted 👍 to ^id`, and group changes `[#team] alice added carol`.
 */
export function eventLine(frame: StreamEvent, me: string, label: Label, style: Style = PLAIN): string {
  const who = speaker(frame, me, style);
  switch (frame.type) {
    case "message": {
      const reply = frame.replyTo ? ` (reply to ${label(frame.replyTo.id)})` : "";
      if (frame.deleted) return `${who}${reply}: message deleted`;
      // Script mode names a file by its attachment id, for `/save`.
      const file = frame.attachment ? ` [attachment ${frame.attachment.id}]` : "";
      return `${who}${reply}: ${messageText(frame)}${frame.edited ? " (edited)" : ""}${file}`;
    }
    case "edit":
      // A replayed edit of a message deleted since has no text left to show.
      return frame.text === "" ? `${who} edited ${label(frame.target)}` : `${who} edited ${label(frame.target)}: ${sanitize(frame.text)}`;
    case "delete":
      return `${who} deleted ${label(frame.target)}`;
    case "reaction":
      // Emoji are checked by the protocol (emoji characters only), so they need no cleaning.
      return frame.emoji === null ? `${who} took back a reaction to ${label(frame.target)}` : `${who} reacted ${frame.emoji} to ${label(frame.target)}`;
    case "notice":
      return noticeLine(frame, me);
  }
}
