import type { Bus } from "../bus/bus.ts";
import type { Store } from "../store/store.ts";
import { Accounts } from "../services/accounts.ts";
import { Directory } from "../services/directory.ts";
import { Messaging } from "../services/messaging.ts";
import { startRetention } from "../services/retention.ts";
import { ChatError } from "../protocol/index.ts";
import type { ServerConfig } from "./config.ts";
import { Connections, type SocketState } from "./connections.ts";
import { asChatError, HTTP_STATUS } from "./errors.ts";
import { bearerToken, httpApp } from "./http.ts";
import { webSocketHandler } from "./websocket.ts";

export interface ChatServer {
  port: number;
  /** Stops accepting, closes every socket with "going away", commits pending writes, closes the drivers. */
  stop(): Promise<void>;
}

export interface Drivers {
  store: Store;
  bus: Bus;
}

/** Wires the services to Bun.serve: Hono for HTTP, Bun's WebSocket server for chat. */
export async function startChatServer(config: ServerConfig, { store, bus }: Drivers): Promise<ChatServer> {
  await bus.ready();
  const connections = new Connections(bus);
  const accounts = new Accounts(store);
  const messaging = new Messaging(store, new Directory(store), connections, { maxTextLength: config.maxMessageLength });
  const app = httpApp({ accounts, messaging, connections });
  const retention = startRetention(store, config.retentionDays);

  const server = Bun.serve({
    port: config.port,
    hostname: config.host,
    async fetch(request, server) {
      if (new URL(request.url).pathname !== "/ws") return app.fetch(request, server);
      try {
        const token = bearerToken(request.headers.get("authorization"));
        if (!token) throw new ChatError("unauthorized", "The WebSocket needs 'Authorization: Bearer <token>' from login.");
        const actor = await accounts.authenticate(token);
        const state: SocketState = { actor, ready: false, topics: new Set(), drainWaiters: [] };
        if (server.upgrade(request, { data: state })) return undefined;
        throw new ChatError("bad_request", "This path takes WebSocket upgrades only.");
      } catch (error) {
        const chatError = asChatError(error);
        return Response.json({ error: { code: chatError.code, message: chatError.message } }, { status: HTTP_STATUS[chatError.code] });
      }
    },
    websocket: webSocketHandler({ messaging, connections, maxFrameBytes: config.maxFrameBytes }),
  });
  connections.attach(server);

  return {
    port: server.port!,
    async stop() {
      retention.stop();
      connections.closeAll("server shutting down");
      await server.stop();
      await messaging.flush();
      await bus.close();
      await store.close();
    },
  };
}
