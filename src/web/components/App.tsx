import { useEffect } from "preact/hooks";
import type { ChatApp } from "../model.ts";
import { ChatList } from "./ChatList.tsx";
import { Conversation } from "./Conversation.tsx";
import { Login } from "./Login.tsx";

export function App({ app }: { app: ChatApp }) {
  const unread = app.unreadTotal.value;
  useEffect(() => {
    document.title = unread > 0 ? `(${unread}) Chat` : "Chat";
  }, [unread]);
  if (!app.checked.value) return <main class="loading" aria-busy="true" />;
  if (!app.me.value) return <Login app={app} />;
  const open = app.open.value;
  const banner = app.banner.value;
  return (
    <div class={`layout ${open ? "has-open" : ""}`}>
      {app.elsewhere.value ? (
        <div class="banner offline" role="status">
          Chat is open in another tab of this browser.{" "}
          <button type="button" class="secondary" onClick={() => app.claim(true)}>
            Use here
          </button>
        </div>
      ) : (
        banner && (
          <div class={`banner ${banner.kind}`} role="status">
            {banner.text}
          </div>
        )
      )}
      <ChatList app={app} />
      {open ? (
        <Conversation key={open.peer} app={app} view={open} />
      ) : (
        <main class="empty-pane">
          <p>Pick a chat on the left, or start a new one.</p>
        </main>
      )}
      <Toast app={app} />
    </div>
  );
}

function Toast({ app }: { app: ChatApp }) {
  const text = app.toast.value;
  useEffect(() => {
    if (!text) return;
    const timer = setTimeout(() => (app.toast.value = undefined), 5000);
    return () => clearTimeout(timer);
  }, [text]);
  if (!text) return null;
  return (
    <div class="toast" role="alert">
      {text}
      <button type="button" aria-label="Dismiss" onClick={() => (app.toast.value = undefined)}>
        ×
      </button>
    </div>
  );
}
