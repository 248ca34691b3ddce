/**
 * The ceiling: the smallest Bun WebSocket relay that still does what a chat
 * server must do on the wire — one topic per user, JSON in and out — and
 * nothing else (no auth, validation, storage or acks). What the app reaches
 * relative to this is the price of its guarantees.
 *
 * Relay protocol (shared with peer.mjs): `GET /ws?user=NAME&groups=a,b`
 * subscribes to `NAME` and `#a`, `#b`; a frame `{type:"send", id, to, text}`
 * is published as `{type:"message", id, from, to, text, ts}` to topic `to`,
 * skipping the sending socket.
 */
export interface RelayPeer {
  user: string;
  groups: string[];
}

const port = Number(process.argv[process.argv.indexOf("--port") + 1] ?? 0) || 0;
const hostArg = process.argv.indexOf("--host");
const hostname = hostArg > 0 ? process.argv[hostArg + 1]! : "127.0.0.1";

const server = Bun.serve({
  hostname,
  port,
  fetch(req, server) {
    const url = new URL(req.url);
    const user = url.searchParams.get("user");
    if (url.pathname === "/ws" && user) {
      const groups = url.searchParams.get("groups")?.split(",").filter(Boolean) ?? [];
      if (server.upgrade(req, { data: { user, groups } })) return;
    }
    return new Response("relay");
  },
  websocket: {
    data: {} as RelayPeer,
    maxPayloadLength: 64 * 1024,
    open(ws) {
      ws.subscribe(ws.data.user);
      for (const group of ws.data.groups) ws.subscribe(`#${group}`);
    },
    message(ws, raw) {
      const frame = JSON.parse(String(raw));
      if (frame.type !== "send") return;
      const { id, to, text } = frame;
      ws.publish(to, JSON.stringify({ type: "message", id, from: ws.data.user, to, text, ts: Date.now() }));
    },
  },
});

console.log(`Relay listening on :${server.port}`);
// The bench runner holds our stdin; when it goes away, so do we.
for await (const _ of Bun.stdin.stream());
server.stop(true);
process.exit(0);
