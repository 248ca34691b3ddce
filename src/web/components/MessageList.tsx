import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { clock, dayLabel, sameDay } from "../format.ts";
import type { ConversationView, Item, ShownMessage } from "../conversation-view.ts";
import type { ChatApp } from "../model.ts";
import { AttachmentView } from "./Attachment.tsx";
import { noticeText } from "./ChatList.tsx";

/** Rows not yet measured are assumed this tall. */
const ESTIMATED_ROW_PX = 64;
/** Rows rendered above and below the visible part, so fast scrolling shows no blank. */
const OVERSCAN_PX = 600;
/** Older history is fetched when the top is this close. */
const LOAD_MARGIN_PX = 800;
const REACTIONS = ["👍", "❤️", "😂", "😮", "😢", "🙏"];

interface Props {
  app: ChatApp;
  view: ConversationView;
  onReply: (message: ShownMessage) => void;
  onEdit: (message: ShownMessage) => void;
}

/**
 * The messages of one conversation, windowed: only the rows in and near the viewport are in the
 * DOM, so a conversation of any length scrolls smoothly. Rows are measured once rendered; rows
 * added above (older history) and rows whose measured height differs from the estimate move the
 * scroll position by the same amount, so nothing on screen jumps.
 */
export function MessageList({ app, view, onReply, onEdit }: Props) {
  const items = view.items.value;
  const me = app.me.value!.user;
  const scroller = useRef<HTMLDivElement>(null);
  const heights = useRef(new Map<string, number>());
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);
  const [version, setVersion] = useState(0);
  const stickToBottom = useRef(true);
  const firstKey = useRef<string | undefined>(undefined);
  const jumped = useRef<number | undefined>(undefined);
  const readUpTo = useRef(0);

  // The "unread messages" line goes before the first of the messages that were unread on opening.
  const unreadFrom = useMemo(() => {
    if (view.unreadAtOpen <= 0) return undefined;
    let remaining = view.unreadAtOpen;
    for (let index = items.length - 1; index >= 0; index--) {
      const item = items[index]!;
      if (item.kind === "message" && item.from !== me && !item.deleted && item.seq > 0 && --remaining === 0) return item.key;
    }
    return undefined;
  }, [items.length > 0 ? items[0]!.key : "", view.unreadAtOpen]);

  const offsets = useMemo(() => {
    const result = new Float64Array(items.length + 1);
    for (let index = 0; index < items.length; index++) result[index + 1] = result[index]! + (heights.current.get(items[index]!.key) ?? ESTIMATED_ROW_PX);
    return result;
  }, [items, version]);
  const total = offsets[items.length] ?? 0;

  const first = Math.max(0, upperBound(offsets, scrollTop - OVERSCAN_PX) - 1);
  const last = Math.min(items.length, upperBound(offsets, scrollTop + viewport + OVERSCAN_PX));

  // Rows added above (older history) push the view down by their height: scroll by as much.
  useLayoutEffect(() => {
    const element = scroller.current!;
    const previousFirst = firstKey.current;
    firstKey.current = items[0]?.key;
    if (previousFirst === undefined || items[0]?.key === previousFirst) return;
    const index = items.findIndex((item) => item.key === previousFirst);
    if (index > 0) {
      element.scrollTop += offsets[index]!;
      setScrollTop(element.scrollTop);
    }
  }, [items[0]?.key]);

  // Measure the rendered rows; correct the scroll position for rows above the viewport that changed.
  useLayoutEffect(() => {
    const element = scroller.current!;
    let changed = false;
    let above = 0;
    for (const row of element.querySelectorAll<HTMLElement>("[data-key]")) {
      const key = row.dataset.key!;
      const height = row.offsetHeight;
      const before = heights.current.get(key) ?? ESTIMATED_ROW_PX;
      if (height === before && heights.current.has(key)) continue;
      heights.current.set(key, height);
      changed = true;
      if (row.offsetTop + before <= element.scrollTop && !stickToBottom.current) above += height - before;
    }
    if (above !== 0) element.scrollTop += above;
    if (stickToBottom.current && jumped.current === undefined) element.scrollTop = element.scrollHeight;
    if (changed) setVersion((version) => version + 1);
  });

  // A search jump: scroll the found message into the middle once it is loaded.
  useLayoutEffect(() => {
    const seq = view.focusSeq.value;
    if (seq === undefined || jumped.current === seq) return;
    const index = items.findIndex((item) => item.seq === seq);
    if (index < 0) return;
    jumped.current = seq;
    stickToBottom.current = false;
    const element = scroller.current!;
    element.scrollTop = Math.max(0, offsets[index]! - element.clientHeight / 2);
    setScrollTop(element.scrollTop);
  }, [items, view.focusSeq.value]);

  useEffect(() => {
    const element = scroller.current!;
    const resize = new ResizeObserver(() => setViewport(element.clientHeight));
    resize.observe(element);
    return () => resize.disconnect();
  }, []);

  const onScroll = useCallback(() => {
    const element = scroller.current!;
    stickToBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < 40 && !view.hasNewer.value;
    if (stickToBottom.current) jumped.current = undefined;
    setScrollTop(element.scrollTop);
    if (element.scrollTop < LOAD_MARGIN_PX && view.hasOlder.value && !view.loading.value) void view.loadOlder();
    if (element.scrollHeight - element.scrollTop - element.clientHeight < LOAD_MARGIN_PX && view.hasNewer.value && !view.loading.value) void view.loadNewer();
  }, [view]);

  // Read receipts: only for messages on screen while the page is visible and focused.
  const markVisibleRead = useCallback(() => {
    const element = scroller.current;
    if (!element || document.visibilityState !== "visible" || !document.hasFocus()) return;
    const bottom = element.scrollTop + element.clientHeight;
    const list = view.items.value;
    let seq = 0;
    for (let index = upperBound(offsets, bottom) - 1; index >= 0; index--) {
      const item = list[index];
      if (!item) continue;
      if ((offsets[index + 1] ?? 0) - 8 <= bottom && item.seq > 0) {
        seq = item.seq;
        break;
      }
    }
    if (seq > readUpTo.current) {
      readUpTo.current = seq;
      app.read(view, seq);
    }
  }, [view, offsets]);
  useEffect(() => {
    markVisibleRead();
  });
  useEffect(() => {
    window.addEventListener("focus", markVisibleRead);
    document.addEventListener("visibilitychange", markVisibleRead);
    return () => {
      window.removeEventListener("focus", markVisibleRead);
      document.removeEventListener("visibilitychange", markVisibleRead);
    };
  }, [markVisibleRead]);

  if (items.length > 0 && !view.hasOlder.value && scroller.current && total < (scroller.current.clientHeight ?? 0)) stickToBottom.current = true;

  return (
    <div class="messages" ref={scroller} onScroll={onScroll} role="log" aria-label="Messages" aria-live="polite" tabIndex={0}>
      <div class="messages-inner" style={{ height: `${total}px` }}>
        <div class="messages-window" style={{ transform: `translateY(${offsets[first] ?? 0}px)` }}>
          {view.loading.value && first === 0 && view.hasOlder.value && <p class="loading-older">Loading older messages…</p>}
          {items.slice(first, last).map((item, offset) => {
            const index = first + offset;
            const previous = items[index - 1];
            return (
              <Row
                key={item.key}
                item={item}
                app={app}
                view={view}
                me={me}
                dayBreak={!previous || !sameDay(previous.ts, item.ts)}
                unreadLine={item.key === unreadFrom}
                showSender={view.isGroup && item.kind === "message" && item.from !== me && (previous?.kind !== "message" || previous.from !== item.from)}
                focused={item.seq > 0 && item.seq === view.focusSeq.value}
                onReply={onReply}
                onEdit={onEdit}
              />
            );
          })}
        </div>
      </div>
      {view.hasNewer.value && (
        <button type="button" class="jump-latest" onClick={() => void view.loadLatest()}>
          Jump to latest
        </button>
      )}
    </div>
  );
}

/** Index of the first offset above `value` (offsets ascend). */
function upperBound(offsets: Float64Array, value: number): number {
  let low = 0;
  let high = offsets.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (offsets[middle]! <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}

interface RowProps {
  item: Item;
  app: ChatApp;
  view: ConversationView;
  me: string;
  dayBreak: boolean;
  unreadLine: boolean;
  showSender: boolean;
  focused: boolean;
  onReply: (message: ShownMessage) => void;
  onEdit: (message: ShownMessage) => void;
}

function Row({ item, app, view, me, dayBreak, unreadLine, showSender, focused, onReply, onEdit }: RowProps) {
  return (
    <div class="row-wrap" data-key={item.key}>
      {dayBreak && (
        <div class="day" role="separator">
          <span>{dayLabel(item.ts)}</span>
        </div>
      )}
      {unreadLine && (
        <div class="unread-line" role="separator">
          <span>Unread messages</span>
        </div>
      )}
      {item.kind === "notice" ? (
        <p class="notice">{noticeText(item.notice, me)}</p>
      ) : (
        <Bubble message={item} app={app} view={view} mine={item.from === me} showSender={showSender} focused={focused} onReply={onReply} onEdit={onEdit} />
      )}
    </div>
  );
}

const TICKS = {
  pending: { symbol: "🕓", label: "Waiting to send" },
  sent: { symbol: "✓", label: "Sent" },
  delivered: { symbol: "✓✓", label: "Delivered" },
  read: { symbol: "✓✓", label: "Read" },
} as const;

function Bubble({ message, app, view, mine, showSender, focused, onReply, onEdit }: { message: ShownMessage; app: ChatApp; view: ConversationView; mine: boolean; showSender: boolean; focused: boolean; onReply: (message: ShownMessage) => void; onEdit: (message: ShownMessage) => void }) {
  const [menu, setMenu] = useState(false);
  const status = mine ? view.statusOf(message) : undefined;
  const reactions = Object.entries(message.reactions);
  const counts = new Map<string, string[]>();
  for (const [user, emoji] of reactions) counts.set(emoji, [...(counts.get(emoji) ?? []), user]);
  const act = (run: () => void) => () => {
    setMenu(false);
    run();
  };
  return (
    <div class={`bubble-line ${mine ? "mine" : "theirs"}`}>
      <article class={`bubble ${focused ? "focused" : ""} ${message.deleted ? "deleted" : ""}`} aria-label={`${mine ? "You" : message.from} at ${clock(message.ts)}`} data-seq={message.seq || undefined} data-id={message.id}>
        {showSender && <p class="sender">{message.from}</p>}
        {message.replyTo && (
          <blockquote class="quote">
            <strong>{message.replyTo.from === app.me.value?.user ? "You" : message.replyTo.from}</strong>
            <span>{message.replyTo.deleted ? "message deleted" : message.replyTo.text}</span>
          </blockquote>
        )}
        {message.attachment && !message.deleted && <AttachmentView attachment={message.attachment} />}
        {message.deleted ? <p class="text deleted-text">message deleted</p> : (message.text !== "" || !message.attachment) && <MessageText text={message.text} />}
        <p class="meta">
          {message.edited && !message.deleted && <span class="edited">edited</span>}
          <time dateTime={new Date(message.ts).toISOString()}>{clock(message.ts)}</time>
          {status && (
            <span class={`tick ${status}`} role="img" aria-label={TICKS[status].label} title={TICKS[status].label}>
              {TICKS[status].symbol}
            </span>
          )}
        </p>
        {counts.size > 0 && (
          <p class="reactions" aria-label="Reactions">
            {[...counts].map(([emoji, users]) => (
              <span key={emoji} title={users.join(", ")}>
                {emoji}
                {users.length > 1 ? ` ${users.length}` : ""}
              </span>
            ))}
          </p>
        )}
      </article>
      {!message.deleted && message.seq > 0 && (
        <div class="actions">
          <button type="button" class="icon" aria-label="Message actions" aria-expanded={menu} onClick={() => setMenu(!menu)}>
            ⋯
          </button>
          {menu && (
            <div class="menu" role="menu" onKeyDown={(event) => event.key === "Escape" && setMenu(false)}>
              <button type="button" role="menuitem" onClick={act(() => onReply(message))}>
                Reply
              </button>
              {REACTIONS.map((emoji) => (
                <button
                  key={emoji}
                  type="button"
                  role="menuitem"
                  aria-label={`React ${emoji}`}
                  onClick={act(() => app.act({ type: "react", target: message.id, emoji: message.reactions[app.me.value!.user] === emoji ? null : emoji, to: view.peer }))}
                >
                  {emoji}
                </button>
              ))}
              {mine && (
                <button type="button" role="menuitem" onClick={act(() => onEdit(message))}>
                  Edit
                </button>
              )}
              {(mine || view.isGroup) && (
                <button type="button" role="menuitem" onClick={act(() => app.act({ type: "delete", target: message.id, to: view.peer }))}>
                  Delete for everyone
                </button>
              )}
              <button
                type="button"
                role="menuitem"
                onClick={act(() => void app.api.hide("", { id: message.id, to: view.peer }).catch((error) => app.notify((error as Error).message)))}
              >
                Delete for me
              </button>
            </div>
          )}
        </div>
      )}
    </div>
  );
}

const LINK = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/gi;

/** Message text, always as text: line breaks kept, and http(s) addresses as links that open apart. */
function MessageText({ text }: { text: string }) {
  const parts: Array<string | { url: string }> = [];
  let at = 0;
  for (const match of text.matchAll(LINK)) {
    if (match.index > at) parts.push(text.slice(at, match.index));
    parts.push({ url: match[0] });
    at = match.index + match[0].length;
  }
  if (at < text.length) parts.push(text.slice(at));
  return (
    <p class="text">
      {parts.map((part, index) =>
        typeof part === "string" ? (
          part
        ) : (
          <a key={index} href={part.url} target="_blank" rel="noopener noreferrer">
            {part.url}
          </a>
        ),
      )}
    </p>
  );
}
