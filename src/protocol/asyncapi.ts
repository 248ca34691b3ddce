import { z } from "zod";
import packageJson from "../../package.json" with { type: "json" };
import * as contacts from "./contacts.ts";
import * as events from "./events.ts";
import * as frames from "./frames.ts";

/**
 * The WebSocket frames as an AsyncAPI 3 document, rendered from the zod frame schemas: served at
 * `/asyncapi.json` and written to docs/asyncapi.json by `bun run docs` (a test fails when it is stale).
 * It describes the server: it receives the client's frames and sends its own and the conversations' events.
 */

/** The frames, in the order docs/protocol.md shows them. */
export const CLIENT_FRAMES: readonly z.ZodObject[] = [
  frames.HelloFrame,
  frames.SendFrame,
  frames.EditRequest,
  frames.DeleteRequest,
  frames.ReactRequest,
  frames.TimerRequest,
  frames.ReceivedFrame,
  frames.ReadFrame,
  frames.TypingFrame,
  frames.PingFrame,
];
export const SERVER_FRAMES: readonly z.ZodObject[] = [
  frames.ReadyFrame,
  frames.SentFrame,
  frames.ReceiptFrame,
  frames.TypingNoticeFrame,
  frames.PresenceFrame,
  frames.GapFrame,
  frames.HiddenFrame,
  contacts.ContactFrame,
  contacts.GroupInviteFrame,
  frames.PongFrame,
  frames.ErrorFrame,
];
export const EVENT_FRAMES: readonly z.ZodObject[] = [events.MessageFrame, events.EditFrame, events.DeleteFrame, events.ReactionFrame, events.NoticeFrame];

/** A frame's `type`. */
export function frameType(schema: z.ZodType): string {
  const json = z.toJSONSchema(schema, { unrepresentable: "any" }) as unknown as { properties: { type: { const: string } } };
  return json.properties.type.const;
}

interface Meta {
  description?: string;
  examples?: unknown[];
}

type Json = Record<string, unknown>;

function message(schema: z.ZodType, io: "input" | "output"): Json {
  const meta = (z.globalRegistry.get(schema) ?? {}) as Meta;
  const { $schema: _, examples: __, description: ___, ...payload } = z.toJSONSchema(schema, { target: "draft-7", unrepresentable: "any", io }) as Json;
  return {
    name: frameType(schema),
    title: `\`${frameType(schema)}\``,
    ...(meta.description ? { description: meta.description } : {}),
    payload,
    ...(meta.examples?.length ? { examples: meta.examples.map((example) => ({ payload: example })) } : {}),
  };
}

export function renderAsyncApi(): Json {
  const groups = [
    { prefix: "client", list: CLIENT_FRAMES, io: "input" as const },
    { prefix: "server", list: SERVER_FRAMES, io: "output" as const },
    { prefix: "event", list: EVENT_FRAMES, io: "output" as const },
  ];
  const messages: Json = {};
  const channelMessages: Json = {};
  const keys: Record<string, string[]> = { client: [], server: [], event: [] };
  for (const { prefix, list, io } of groups) {
    for (const schema of list) {
      const key = `${prefix}.${frameType(schema)}`;
      messages[key] = message(schema, io);
      channelMessages[key] = { $ref: `#/components/messages/${key}` };
      keys[prefix]!.push(key);
    }
  }
  const refs = (names: string[]) => names.map((key) => ({ $ref: `#/channels/chat/messages/${key}` }));
  return {
    asyncapi: "3.1.0",
    info: {
      title: "Chat WebSocket protocol",
      version: packageJson.version,
      description:
        "One WebSocket per device at `GET /ws` (bearer token, or a browser's session cookie): JSON text frames, one object per frame, told apart by `type`. Send `hello`, wait for `ready`. This document describes the server: it receives the client's frames and sends its own frames and the conversations' events. Rendered from the zod schemas in src/protocol; see docs/protocol.md for the rules (order, acknowledgements, limits).",
    },
    servers: {
      chat: {
        host: "localhost:8080",
        protocol: "ws",
        pathname: "/ws",
        description: "`wss` when the server runs with TLS; the host is wherever the server runs.",
        security: [{ $ref: "#/components/securitySchemes/bearer" }, { $ref: "#/components/securitySchemes/sessionCookie" }],
      },
    },
    defaultContentType: "application/json",
    channels: {
      chat: {
        address: "/ws",
        title: "A device's connection",
        servers: [{ $ref: "#/servers/chat" }],
        messages: channelMessages,
      },
    },
    operations: {
      receiveClientFrames: {
        action: "receive",
        channel: { $ref: "#/channels/chat" },
        summary: "Frames a client sends.",
        messages: refs(keys.client!),
      },
      sendServerFrames: {
        action: "send",
        channel: { $ref: "#/channels/chat" },
        summary: "Frames the server sends: answers, receipts, presence, typing, and errors.",
        messages: refs(keys.server!),
      },
      sendEvents: {
        action: "send",
        channel: { $ref: "#/channels/chat" },
        summary: "The events of a conversation, in `seq` order: replayed after `hello`, then live.",
        messages: refs(keys.event!),
      },
    },
    components: {
      messages,
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "the token from `POST /api/register` or `POST /api/login`" },
        sessionCookie: {
          type: "httpApiKey",
          in: "cookie",
          name: "chat_session",
          description: "a browser's session cookie, accepted only with this server's own `Origin`",
        },
      },
    },
  };
}

if (import.meta.main) process.stdout.write(JSON.stringify(renderAsyncApi(), null, 2) + "\n");
