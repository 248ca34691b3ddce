/** Times and dates as people read them, in the browser's locale and time zone. */

export function clock(ts: number): string {
  return new Date(ts).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function sameDay(a: number, b: number): boolean {
  const x = new Date(a);
  const y = new Date(b);
  return x.getFullYear() === y.getFullYear() && x.getMonth() === y.getMonth() && x.getDate() === y.getDate();
}

export function dayLabel(ts: number, now = Date.now()): string {
  if (sameDay(ts, now)) return "Today";
  if (sameDay(ts, now - 86_400_000)) return "Yesterday";
  return new Date(ts).toLocaleDateString([], { weekday: "long", day: "numeric", month: "long", year: "numeric" });
}

/** For the chat list: the time today, else the day. */
export function shortWhen(ts: number, now = Date.now()): string {
  if (sameDay(ts, now)) return clock(ts);
  if (sameDay(ts, now - 86_400_000)) return "Yesterday";
  return new Date(ts).toLocaleDateString([], { day: "numeric", month: "short" });
}

export function lastSeen(ts: number | null, now = Date.now()): string {
  if (ts === null) return "";
  if (sameDay(ts, now)) return `last seen today at ${clock(ts)}`;
  if (sameDay(ts, now - 86_400_000)) return `last seen yesterday at ${clock(ts)}`;
  return `last seen ${new Date(ts).toLocaleDateString([], { day: "numeric", month: "short" })}`;
}
