import { useEffect, useRef, useState } from "preact/hooks";
import type { ConversationView } from "../conversation-view.ts";
import type { ChatApp } from "../model.ts";
import type { Draft } from "./Conversation.tsx";

/** Enter sends, Shift+Enter starts a new line; typing tells the other side now and then. */
export function Composer({ app, view, draft, onDraftDone }: { app: ChatApp; view: ConversationView; draft: Draft; onDraftDone: () => void }) {
  const [text, setText] = useState("");
  const input = useRef<HTMLTextAreaElement>(null);
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

  return (
    <form
      class="composer"
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
      <div class="row">
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
