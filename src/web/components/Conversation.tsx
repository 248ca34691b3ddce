import { useState } from "preact/hooks";
import { lastSeen } from "../format.ts";
import type { ConversationView, ShownMessage } from "../conversation-view.ts";
import type { ChatApp } from "../model.ts";
import { Composer } from "./Composer.tsx";
import { ContactBar } from "./ContactBar.tsx";
import { Dialog } from "./Dialog.tsx";
import { GroupPanel } from "./GroupPanel.tsx";
import { MessageList } from "./MessageList.tsx";

export type Draft = { mode: "reply" | "edit"; message: ShownMessage } | undefined;

/** The right pane: who, their presence or typing, the messages, the composer. */
export function Conversation({ app, view }: { app: ChatApp; view: ConversationView }) {
  const [draft, setDraft] = useState<Draft>();
  const [groupOpen, setGroupOpen] = useState(false);
  const typing = app.typing.value.get(view.peer);
  const presence = view.isGroup ? undefined : app.presence.value.get(view.peer);
  const status = typing ? (view.isGroup ? `${typing.from} is typing…` : "typing…") : presence?.online ? "online" : presence ? lastSeen(presence.lastSeen) : "";
  return (
    <main class="conversation" aria-label={`Conversation with ${view.peer}`}>
      <header class="conversation-head">
        <button type="button" class="icon back" aria-label="Back to chats" onClick={() => app.closeChat()}>
          ←
        </button>
        <div class="who">
          <h2>{view.peer}</h2>
          <p class={`status ${typing ? "typing" : ""}`} aria-live="polite">
            {status}
          </p>
        </div>
        {view.isGroup ? (
          <button type="button" class="secondary" onClick={() => setGroupOpen(true)}>
            Group info
          </button>
        ) : (
          !app.contacts.blocked.value.has(view.peer) &&
          !app.contacts.isStranger(view.peer) && (
            <button type="button" class="secondary" onClick={() => void app.contacts.block(view.peer)}>
              Block
            </button>
          )
        )}
      </header>
      {!view.isGroup && <ContactBar app={app} peer={view.peer} />}
      <MessageList app={app} view={view} onReply={(message) => setDraft({ mode: "reply", message })} onEdit={(message) => setDraft({ mode: "edit", message })} />
      <Composer app={app} view={view} draft={draft} onDraftDone={() => setDraft(undefined)} />
      {groupOpen && (
        <Dialog title={`Group ${view.peer}`} onClose={() => setGroupOpen(false)}>
          <GroupPanel app={app} group={view.peer.slice(1)} />
        </Dialog>
      )}
    </main>
  );
}
