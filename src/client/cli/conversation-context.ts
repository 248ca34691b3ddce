import type { ConversationSummary } from "../../protocol/index.ts";
import type { ChatApi } from "../sdk/api.ts";
import type { EarlierMessages } from "./timeline.ts";

/** How many of the most recent conversations are shown on start. */
const ON_START = 3;
/** Messages shown before the first unread one (all the last ones when everything is read). */
const BEFORE_UNREAD = 3;
/** Unread messages shown at most; /history shows more. */
const MOST_UNREAD = 20;

export interface Shown extends EarlierMessages {
  conversation: string;
  conv: number;
}

/**
 * The last few messages of conversations, for context instead of an empty screen: on start the most
 * recent conversations (each with its unread messages), and the conversation being opened.
 */
export class ConversationContext {
  constructor(
    private readonly api: ChatApi,
    private readonly token: string,
  ) {}

  /** The most recent conversations with messages, least recent first, so that the newest ends next to the prompt. */
  async recent(): Promise<Shown[]> {
    const { conversations } = await this.api.conversations(this.token);
    const recent = conversations.filter((conversation) => conversation.last !== null).slice(0, ON_START);
    return (await Promise.all(recent.map((summary) => this.page(summary)))).reverse();
  }

  /** One conversation: its last messages (none for a new one). A `ChatError` when there is no such user or group of the user's. */
  async of(name: string): Promise<Shown> {
    const { conversations } = await this.api.conversations(this.token);
    const summary = conversations.find((conversation) => conversation.with === name);
    if (summary) return this.page(summary);
    // No conversation yet: the history answers for the name (unknown, not a member) or is empty.
    const { messages } = await this.api.history(this.token, { with: name, limit: 1 });
    return { conversation: name, conv: messages[0]?.conv ?? 0, entries: [], read: 0, unread: 0 };
  }

  private async page(summary: ConversationSummary): Promise<Shown> {
    const limit = BEFORE_UNREAD + Math.min(summary.unread, MOST_UNREAD);
    const { messages } = await this.api.history(this.token, { with: summary.with, limit });
    return { conversation: summary.with, conv: summary.conv, entries: [...messages].reverse(), read: summary.read, unread: summary.unread };
  }
}
