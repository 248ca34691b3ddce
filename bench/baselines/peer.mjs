/**
 * The peer: the same relay as ceiling.ts on Node.js with the `ws` package,
 * in memory — what most TypeScript chat servers are built on. Topics are a
 * map of sets; a publish serializes once and sends to each subscriber except
 * the sender. Plain JavaScript because Node 20 does not run TypeScript.
 */
import { createServer } from "node:http";
import { WebSocketServer } from "ws";

const portArg = process.argv.indexOf("--port");
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 0;
const hostArg = process.argv.indexOf("--host");
const host = hostArg > 0 ? process.argv[hostArg + 1] : "127.0.0.1";

/** @type {Map<string, Set<import("ws").WebSocket>>} */
const topics = new Map();

function subscribe(topic, socket) {
  let members = topics.get(topic);
  if (!members) topics.set(topic, (members = new Set()));
  members.add(socket);
}

function unsubscribe(topic, socket) {
  const members = topics.get(topic);
  if (!members) return;
  members.delete(socket);
  if (members.size === 0) topics.delete(topic);
}

const http = createServer((_req, res) => res.end("relay"));
const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, perMessageDeflate: false });

http.on("upgrade", (req, socket, head) => {
  const url = new URL(req.url ?? "/", "http://relay");
  const user = url.searchParams.get("user");
  if (url.pathname !== "/ws" || !user) return socket.destroy();
  const groups = (url.searchParams.get("groups") ?? "").split(",").filter(Boolean).map((group) => `#${group}`);
  wss.handleUpgrade(req, socket, head, (ws) => {
    const own = [user, ...groups];
    for (const topic of own) subscribe(topic, ws);
    ws.on("close", () => own.forEach((topic) => unsubscribe(topic, ws)));
    ws.on("message", (raw) => {
      const frame = JSON.parse(String(raw));
      if (frame.type !== "send") return;
      const { id, to, text } = frame;
      const out = JSON.stringify({ type: "message", id, from: user, to, text, ts: Date.now() });
      for (const member of topics.get(to) ?? []) if (member !== ws) member.send(out);
    });
  });
});

http.listen(port, host, () => {
  console.log(`Relay listening on :${http.address().port}`);
});
// The bench runner holds our stdin; when it goes away, so do we.
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
