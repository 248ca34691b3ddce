import { ChatError } from "../../protocol/index.ts";
import type { ChatConnection } from "../sdk/connection.ts";
import type { NewRequest } from "../sdk/outbox.ts";
import type { MessageEntry, OutboxEntry } from "../sdk/state-file.ts";
import { sanitize } from "./sanitize.ts";

/** Whether a text would show as nothing where it arrives: only spaces, control characters or escape sequences. */
export function showsAsNothing(text: string): boolean {
  return sanitize(text).trim() === "";
}

function checkShowable(text: string): void {
  if (showsAsNothing(text)) {
    throw new ChatError("bad_request", "It would arrive as an empty line: it has nothing but spaces, control characters or escape sequences.");
  }
}

/** The connection's outbox as both modes send through it: a message or an edit that would show as an empty line is refused first. */
export function showableSender(connection: ChatConnection) {
  return {
    send(to: string, text: string, replyTo?: string): MessageEntry {
      checkShowable(text);
      return connection.send(to, text, replyTo);
    },
    sendFile(to: string, attachment: string, caption: string): MessageEntry {
      // A file shows even without a caption; a caption of nothing but escapes would still show as one.
      if (caption !== "") checkShowable(caption);
      return connection.sendFile(to, attachment, caption);
    },
    act(request: Exclude<NewRequest, { type: "send" }>): OutboxEntry {
      if (request.type === "edit") checkShowable(request.text);
      return connection.act(request);
    },
  };
}
