import { ChatError, isGroupAddress, type HistoryPage, type ServerFrame } from "../protocol/index.ts";
import { resumeCursor, statusOf, userTopic } from "../domain/delivery.ts";
import type { AppendResult, ConversationId, CursorUpdate, Membership, NewMessage, StoredMessage } from "../domain/types.ts";
import type { Store } from "../store/store.ts";
import type { Actor } from "./accounts.ts";
import { CommitQueue } from "./commit-queue.ts";
import type { Directory } from "./directory.ts";
import type { Fanout, FrameSink } from "./fanout.ts";

export interface MessagingLimits {
  maxTextLength: number;
}

export interface Sent {
  conv: ConversationId;
  seq: number;
  ts: number;
}

const REPLAY_PAGE = 1000;

const encode = (frame: ServerFrame): string => JSON.stringify(frame);

/**
 * One-to-one messaging: store before ack, then fan out; acknowledgements and
 * read marks become receipts; a device that reconnects replays what it missed.
 * The store is the source of truth, the fan-out only a wake-up.
 */
export class Messaging {
  private readonly appends: CommitQueue<NewMessage, AppendResult>;
  private readonly deliveries: CommitQueue<CursorUpdate, void>;

  constructor(
    private readonly store: Store,
    private readonly directory: Directory,
    private readonly fanout: Fanout,
    private readonly limits: MessagingLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.appends = new CommitQueue((batch) => this.store.appendMessages(batch));
    this.deliveries = new CommitQueue<CursorUpdate, void>(async (updates) => {
      const moved = await this.store.saveDelivered(updates);
      await Promise.all(moved.map((mark) => this.publishReceipt(mark.conv, mark.userId, { delivered: mark.delivered })));
      return updates.map(() => undefined);
    });
  }

  /** Stores the message (or finds the earlier copy of a retry), then delivers it; resolves with the ack's contents. */
  async send(actor: Actor, clientId: string, to: string, text: string): Promise<Sent> {
    if (text.length > this.limits.maxTextLength) {
      throw new ChatError("text_too_long", `A message has at most ${this.limits.maxTextLength} characters; this one has ${text.length}.`);
    }
    if (isGroupAddress(to)) throw new ChatError("unknown_group", `There is no group named '${to.slice(1)}'.`);
    const recipient = await this.directory.user(to);
    const conv = await this.directory.directConversation(actor.userId, recipient.id);
    const result = await this.appends.push({ conv, senderId: actor.userId, clientId, text, sentAt: this.now() });
    if (!result.ok) throw new ChatError("not_member", "You are not part of that conversation.");
    if (!result.duplicate) {
      const frame = encode({ type: "message", conv, seq: result.seq, id: clientId, from: actor.name, to: recipient.name, text, ts: result.sentAt });
      this.fanout.publish(userTopic(recipient.id), frame);
      if (recipient.id !== actor.userId) this.fanout.publish(userTopic(actor.userId), frame, actor.deviceId);
    }
    return { conv, seq: result.seq, ts: result.sentAt };
  }

  /** The device processed `conv` up to `seq`: moves its cursor, and the sender sees ✓✓. */
  received(actor: Actor, conv: ConversationId, seq: number): Promise<void> {
    return this.deliveries.push({ device: actor.deviceId, userId: actor.userId, conv, seq });
  }

  /** The user has seen `conv` up to `seq`: the other side and the reader's other devices learn it. */
  async read(actor: Actor, conv: ConversationId, seq: number): Promise<void> {
    const read = await this.store.saveRead(actor.userId, conv, seq);
    if (read !== null) await this.publishReceipt(conv, actor.userId, { read }, actor.deviceId);
  }

  /**
   * Sends the device everything stored after its cursors, conversation by
   * conversation in sequence order, then the receipts it may have missed.
   * The caller subscribes the device to live delivery first, so nothing falls
   * between the replay and the live stream (repeats are dropped by seq).
   */
  async replay(actor: Actor, clientCursors: Record<string, number> | undefined, sink: FrameSink): Promise<void> {
    const [memberships, serverCursors] = await Promise.all([
      this.store.membershipsOf(actor.userId),
      this.store.cursorsOf(actor.deviceId),
    ]);
    for (const membership of memberships) {
      const cursor = resumeCursor(membership, serverCursors.get(membership.conv), clientCursors?.[membership.conv]);
      if (membership.lastSeq > cursor) await this.replayConversation(actor, membership, cursor, sink);
    }
    for (const membership of memberships) {
      if (membership.lastSeq === 0) continue;
      for (const member of await this.store.membersOf(membership.conv)) {
        if (member.delivered === 0 && member.read === 0) continue;
        await write(sink, encode({ type: "receipt", conv: membership.conv, by: member.name, delivered: member.delivered, read: member.read }));
      }
    }
  }

  /** A page of the conversation with `peer`, newest first, with each message's tick. */
  async history(actor: Actor, peer: string, before: number | undefined, limit: number): Promise<HistoryPage> {
    if (isGroupAddress(peer)) throw new ChatError("unknown_group", `There is no group named '${peer.slice(1)}'.`);
    const other = await this.directory.user(peer);
    const conv = await this.directory.directConversation(actor.userId, other.id);
    const [messages, members] = await Promise.all([this.store.messagesBefore(conv, before ?? null, limit), this.store.membersOf(conv)]);
    const watermarksOf = new Map(members.map((member) => [member.userId, member]));
    const recipientOf = (message: StoredMessage) => (message.senderId === actor.userId ? other : { id: actor.userId, name: actor.name });
    return {
      messages: messages.map((message) => ({
        conv,
        seq: message.seq,
        id: message.clientId,
        from: message.sender,
        to: recipientOf(message).name,
        text: message.text,
        ts: message.sentAt,
        status: statusOf(message.seq, watermarksOf.get(recipientOf(message).id)),
      })),
      next: messages.length === limit ? messages.at(-1)!.seq : null,
    };
  }

  /** Resolves when every accepted write has committed: for shutdown. */
  async flush(): Promise<void> {
    await Promise.all([this.appends.drain(), this.deliveries.drain()]);
  }

  private async replayConversation(actor: Actor, membership: Membership, cursor: number, sink: FrameSink): Promise<void> {
    const oldest = await this.store.oldestSeq(membership.conv);
    if (oldest === null || oldest > cursor + 1) {
      // Retention removed what this device never got: say so rather than skip silently.
      const until = oldest === null ? membership.lastSeq : oldest - 1;
      await write(sink, encode({ type: "gap", conv: membership.conv, after: cursor, until }));
      cursor = until;
    }
    while (cursor < membership.lastSeq) {
      const page = await this.store.messagesAfter(membership.conv, cursor, REPLAY_PAGE);
      if (page.length === 0) return;
      for (const message of page) {
        const to = message.senderId === actor.userId ? membership.title : actor.name;
        await write(sink, encode({ type: "message", conv: message.conv, seq: message.seq, id: message.clientId, from: message.sender, to, text: message.text, ts: message.sentAt }));
      }
      cursor = page.at(-1)!.seq;
    }
  }

  private async publishReceipt(conv: ConversationId, userId: number, marks: { delivered?: number; read?: number }, except?: number): Promise<void> {
    const members = await this.store.membersOf(conv);
    const by = members.find((member) => member.userId === userId);
    if (!by) return;
    const frame = encode({ type: "receipt", conv, by: by.name, ...marks });
    for (const member of members) this.fanout.publish(userTopic(member.userId), frame, member.userId === userId ? except : undefined);
  }
}

async function write(sink: FrameSink, frame: string): Promise<void> {
  if (!sink.send(frame)) await sink.drained();
}
