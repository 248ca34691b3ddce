import { useState } from "preact/hooks";
import type { SearchHit } from "../../protocol/index.ts";
import { shortWhen } from "../format.ts";
import type { ChatSummary, Item } from "../conversation-view.ts";
import type { ChatApp } from "../model.ts";
import { GroupInvites } from "./ContactBar.tsx";
import { Dialog } from "./Dialog.tsx";
import { NewChatDialog, NewGroupDialog } from "./NewChat.tsx";
import { Settings } from "./Settings.tsx";
import { PaperclipIcon } from "./icons.tsx";

/** The left pane: search, new chat, and every conversation, newest activity first. */
export function ChatList({ app }: { app: ChatApp }) {
  const [dialog, setDialog] = useState<"chat" | "group" | "settings" | undefined>();
  const [query, setQuery] = useState("");
  const [hits, setHits] = useState<SearchHit[] | undefined>();
  const me = app.me.value!;

  const search = async (event: Event) => {
    event.preventDefault();
    if (!query.trim()) return setHits(undefined);
    try {
      setHits((await app.api.search("", { q: query, limit: 50 })).hits);
    } catch (error) {
      app.notify((error as Error).message);
    }
  };

  return (
    <aside class="sidebar" aria-label="Chats">
      <header class="sidebar-head">
        <h1 class="me" title={`Logged in as ${me.user}`}>
          {me.user}
        </h1>
        <button type="button" onClick={() => setDialog("chat")}>
          New chat
        </button>
        <button type="button" class="secondary" onClick={() => setDialog("group")}>
          New group
        </button>
        <button type="button" class="icon" aria-label="Settings" onClick={() => setDialog("settings")}>
          ⚙
        </button>
      </header>
      <form class="search" role="search" onSubmit={search}>
        <input type="search" aria-label="Search messages" placeholder="Search messages" value={query} onInput={(event) => setQuery(event.currentTarget.value)} />
        {hits && (
          <button
            type="button"
            class="secondary"
            onClick={() => {
              setHits(undefined);
              setQuery("");
            }}
          >
            Clear search
          </button>
        )}
      </form>
      {hits ? (
        <SearchResults app={app} hits={hits} />
      ) : (
        <>
        <GroupInvites app={app} />
        <ul class="chats" aria-label="Conversations">
          {app.chats.value.map((chat) => (
            <ChatRow key={chat.with} app={app} chat={chat} />
          ))}
          {app.chats.value.length === 0 && <li class="none">No chats yet. Press “New chat” to write to someone.</li>}
        </ul>
        </>
      )}
      {dialog === "chat" && <NewChatDialog app={app} onClose={() => setDialog(undefined)} />}
      {dialog === "group" && <NewGroupDialog app={app} onClose={() => setDialog(undefined)} />}
      {dialog === "settings" && (
        <Dialog title="Settings" onClose={() => setDialog(undefined)}>
          <Settings app={app} />
        </Dialog>
      )}
    </aside>
  );
}

/** The last message in a chat-list row: who wrote it, a drawn clip before a file's name, its text on one line. */
function Preview({ item, me }: { item: Item | undefined; me: string }) {
  if (!item) return null;
  if (item.kind === "notice") return <>{noticeText(item.notice, me)}</>;
  const who = item.from === me ? "You: " : item.to.startsWith("#") ? `${item.from}: ` : "";
  if (item.deleted) return <>{`${who}message deleted`}</>;
  const text = item.text.replace(/\s+/g, " ");
  if (!item.attachment) return <>{`${who}${text}`}</>;
  return (
    <>
      {who}
      <span class="preview-icon">
        <PaperclipIcon size={14} />
      </span>
      {`${item.attachment.name}${text === "" ? "" : ` ${text}`}`}
    </>
  );
}

export function noticeText(notice: Extract<Item, { kind: "notice" }>["notice"], me: string): string {
  const who = (name: string | undefined) => (name === me ? "you" : (name ?? "someone"));
  const from = notice.from === me ? "You" : notice.from;
  switch (notice.change) {
    case "created":
      return `${from} created the group ${notice.group ? `#${notice.group}` : ""}`.trim();
    case "added":
      return `${from} added ${who(notice.user)}`;
    case "joined":
      return `${from} joined, invited by ${who(notice.user)}`;
    case "removed":
      return `${from} removed ${who(notice.user)}`;
    case "left":
      return `${notice.user === me ? "You" : notice.user} left`;
    case "promoted":
      return `${from} made ${who(notice.user)} an admin`;
    case "renamed":
      return `${from} renamed #${notice.previousName ?? "?"} to #${notice.group ?? "?"}`;
    case "timer":
      return notice.seconds ? `${from} turned on disappearing messages (${Math.round((notice.seconds ?? 0) / 3600)} h)` : `${from} turned off disappearing messages`;
  }
}

function ChatRow({ app, chat }: { app: ChatApp; chat: ChatSummary }) {
  const me = app.me.value!.user;
  const open = app.open.value?.peer === chat.with;
  const typing = app.typing.value.get(chat.with);
  const presence = chat.kind === "direct" ? app.presence.value.get(chat.with) : undefined;
  const label = `${chat.with}${chat.unread ? `, ${chat.unread} unread` : ""}${presence?.online ? ", online" : ""}${typing ? ", typing" : ""}`;
  return (
    <li>
      <button type="button" class={`chat ${open ? "current" : ""}`} aria-label={label} aria-current={open ? "true" : undefined} onClick={() => app.openChat(chat.with)}>
        <span class="avatar" aria-hidden="true">
          {chat.with.replace("#", "").slice(0, 1).toUpperCase()}
          {presence && <span class={`dot ${presence.online ? "online" : ""}`} />}
        </span>
        <span class="chat-text">
          <span class="chat-top">
            <span class="chat-name">{chat.with}</span>
            <span class="chat-time">{chat.last ? shortWhen(chat.last.ts) : ""}</span>
          </span>
          <span class="chat-bottom">
            <span class={`chat-preview ${typing ? "typing" : ""}`}>{typing ? (chat.kind === "group" ? `${typing.from} is typing…` : "typing…") : <Preview item={chat.last} me={me} />}</span>
            {chat.unread > 0 && <span class="badge">{chat.unread}</span>}
          </span>
        </span>
      </button>
    </li>
  );
}

function SearchResults({ app, hits }: { app: ChatApp; hits: SearchHit[] }) {
  if (hits.length === 0) return <p class="none" role="status">No messages found.</p>;
  return (
    <ul class="chats" aria-label="Search results">
      {hits.map((hit) => (
        <li key={`${hit.conv}:${hit.seq}`}>
          <button type="button" class="chat" onClick={() => app.openChat(hit.with, hit.seq)}>
            <span class="chat-text">
              <span class="chat-top">
                <span class="chat-name">{hit.with}</span>
                <span class="chat-time">{shortWhen(hit.ts)}</span>
              </span>
              <span class="chat-preview">
                {hit.from}: {hit.snippet}
              </span>
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}
