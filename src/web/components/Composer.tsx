import { useEffect, useRef, useState } from "preact/hooks";
import { uploadFile } from "../../client/sdk/transfers.ts";
import type { ConversationView } from "../conversation-view.ts";
import type { ChatApp } from "../model.ts";
import { imagePreview } from "../preview.ts";
import type { Draft } from "./Conversation.tsx";
import { PaperclipIcon } from "./icons.tsx";
import { VoiceRecorder } from "./VoiceRecorder.tsx";

interface Upload {
  name: string;
  done: number;
  total: number;
  cancel: AbortController;
}

/** Enter sends, Shift+Enter starts a new line; typing tells the other side now and then. */
export function Composer({ app, view, draft, onDraftDone }: { app: ChatApp; view: ConversationView; draft: Draft; onDraftDone: () => void }) {
  const [text, setText] = useState("");
  const [upload, setUpload] = useState<Upload | undefined>(undefined);
  const input = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (draft?.mode === "edit") setText(draft.message.text);
    input.current?.focus();
  }, [draft]);
  // After the frame: a dialog that opened this chat (New chat) is gone by then and cannot take the focus back.
  useEffect(() => {
    const frame = requestAnimationFrame(() => input.current?.focus());
    return () => cancelAnimationFrame(frame);
  }, [view]);

  const submit = () => {
    const value = text;
    if (!value.trim()) return;
    if (draft?.mode === "edit") {
      app.act({ type: "edit", target: draft.message.id, text: value, to: view.peer });
    } else {
      app.send(view.peer, value, draft?.mode === "reply" ? draft.message.id : undefined);
    }
    setText("");
    onDraftDone();
  };

  /** Uploads the chosen file (the typed text becomes its caption), then sends it; Cancel stops it and the server drops its bytes. */
  const sendFile = async (file: File) => {
    const caption = text.trim() === "" ? "" : text;
    const cancel = new AbortController();
    setUpload({ name: file.name, done: 0, total: file.size, cancel });
    try {
      const preview = await imagePreview(file);
      const attachment = await uploadFile(app.api, "", file, {
        name: file.name,
        ...(preview ? { preview } : {}),
        signal: cancel.signal,
        onProgress: (done, total) => setUpload((current) => current && { ...current, done, total }),
      });
      app.sendFile(view.peer, attachment, caption);
      if (caption !== "") setText("");
    } catch (error) {
      if (!cancel.signal.aborted) app.notify(`${file.name} was not sent: ${(error as Error).message}`);
    } finally {
      setUpload(undefined);
    }
  };

  return (
    <form
      class="composer"
      // A file dropped on the composer, or pasted into it (an image from the clipboard), is sent like one chosen.
      onDragOver={(event) => {
        if (event.dataTransfer?.types.includes("Files")) event.preventDefault();
      }}
      onDrop={(event) => {
        const file = event.dataTransfer?.files[0];
        if (!file) return;
        event.preventDefault();
        if (!upload) void sendFile(file);
      }}
      onPaste={(event) => {
        const file = event.clipboardData?.files[0];
        if (!file) return;
        event.preventDefault();
        if (!upload) void sendFile(file);
      }}
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      {draft && (
        <div class="draft">
          <span>
            {draft.mode === "reply" ? `Replying to ${draft.message.from}: ` : "Editing: "}
            <q>{draft.message.text.slice(0, 120)}</q>
          </span>
          <button
            type="button"
            class="icon"
            aria-label={draft.mode === "reply" ? "Cancel reply" : "Cancel edit"}
            onClick={() => {
              if (draft.mode === "edit") setText("");
              onDraftDone();
            }}
          >
            ×
          </button>
        </div>
      )}
      {upload && (
        <div class="upload" role="status" aria-label={`Sending ${upload.name}`}>
          <span>Sending {upload.name}</span>
          <progress max={upload.total} value={upload.done} />
          <button type="button" onClick={() => upload.cancel.abort()}>
            Cancel
          </button>
        </div>
      )}
      <div class="row">
        <input
          ref={picker}
          type="file"
          hidden
          aria-label="File to send"
          onChange={(event) => {
            const file = event.currentTarget.files?.[0];
            event.currentTarget.value = "";
            if (file) void sendFile(file);
          }}
        />
        <button type="button" class="icon attach" aria-label="Attach a file" disabled={upload !== undefined} onClick={() => picker.current?.click()}>
          <PaperclipIcon />
        </button>
        <VoiceRecorder disabled={upload !== undefined} onRecorded={(file) => void sendFile(file)} onProblem={(message) => app.notify(message)} />
        <textarea
          ref={input}
          aria-label="Message"
          placeholder="Message"
          rows={Math.min(6, Math.max(1, text.split("\n").length))}
          value={text}
          onInput={(event) => {
            setText(event.currentTarget.value);
            if (event.currentTarget.value.trim()) app.composing(view.peer);
          }}
          onKeyDown={(event) => {
            if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
              event.preventDefault();
              submit();
            } else if (event.key === "Escape" && draft) {
              onDraftDone();
            }
          }}
        />
        <button type="submit" aria-label="Send" disabled={!text.trim()}>
          ➤
        </button>
      </div>
    </form>
  );
}
