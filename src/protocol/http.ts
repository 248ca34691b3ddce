import { z } from "zod";
import { ERROR_CODE_LIST } from "./errors.ts";
import { DeviceName, MessageId, Name, Password, Recipient } from "./names.ts";

/** HTTP request and response bodies. Authenticated routes take `Authorization: Bearer <token>`. */

export const Credentials = z
  .object({
    name: Name,
    password: Password,
    device: DeviceName.optional().meta({ description: "a label for this device, shown in the device list" }),
  })
  .meta({
    description: "Body of `POST /api/register` and `POST /api/login`.",
    examples: [{ name: "alice", password: "correct horse battery", device: "laptop" }],
  });
export type Credentials = z.infer<typeof Credentials>;

export const Session = z
  .object({
    user: Name,
    token: z.string().meta({ description: "this device's session token; the server keeps only its hash" }),
    device: z.object({ id: z.number().int(), name: z.string() }),
  })
  .meta({
    description: "Answer to register (201) and login (200).",
    examples: [{ user: "alice", token: "Jq3…", device: { id: 3, name: "laptop" } }],
  });
export type Session = z.infer<typeof Session>;

export const HistoryQuery = z
  .object({
    with: Recipient,
    before: z.coerce.number().int().positive().optional().meta({ description: "return messages with seq below this (the `next` of the previous page)" }),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .meta({ description: "Query string of `GET /api/history`.", examples: [{ with: "bob", limit: 20 }] });

export const MessageStatus = z.enum(["sent", "delivered", "read"]);
export type MessageStatus = z.infer<typeof MessageStatus>;

export const HistoryMessage = z.object({
  conv: z.number().int(),
  seq: z.number().int(),
  id: MessageId,
  from: Name,
  to: Recipient,
  text: z.string(),
  ts: z.number().int(),
  status: MessageStatus,
});
export type HistoryMessage = z.infer<typeof HistoryMessage>;

export const HistoryPage = z
  .object({
    messages: z.array(HistoryMessage).meta({ description: "newest first" }),
    next: z.number().int().nullable().meta({ description: "pass as `before` for the next (older) page; null at the start" }),
  })
  .meta({
    description: "Answer to `GET /api/history`. `status` is the recipient's view: sent (stored), delivered, read.",
    examples: [
      {
        messages: [{ conv: 12, seq: 41, id: "m-01HZX", from: "alice", to: "bob", text: "Hello", ts: 1764093600000, status: "read" }],
        next: 41,
      },
    ],
  });
export type HistoryPage = z.infer<typeof HistoryPage>;

export const DeviceInfo = z.object({
  id: z.number().int(),
  name: z.string(),
  createdAt: z.number().int(),
  lastActive: z.number().int(),
  current: z.boolean(),
});
export const DeviceList = z
  .object({ devices: z.array(DeviceInfo) })
  .meta({
    description: "Answer to `GET /api/devices`. `DELETE /api/devices/:id` logs one out at once (204).",
    examples: [{ devices: [{ id: 3, name: "laptop", createdAt: 1764093600000, lastActive: 1764093700000, current: true }] }],
  });
export type DeviceList = z.infer<typeof DeviceList>;

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODE_LIST),
      message: z.string(),
      retryAfterMs: z.number().int().optional(),
    }),
  })
  .meta({
    description: "Every 4xx/5xx answer.",
    examples: [{ error: { code: "wrong_password", message: "The name and password do not match." } }],
  });
export type ErrorBody = z.infer<typeof ErrorBody>;
