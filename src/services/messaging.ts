import { ChatError, isGroupAddress, type HistoryPage, type ServerFrame } from "../protocol/index.ts";
import { groupTopic, resumeCursor, statusOf, userTopic } from "../domain/delivery.ts";
import type { AppendResult, ConversationId, Membership, NewMessage, StoredMessage, Watermarks } from "../domain/types.ts";
import type { Store } from "../store/store.ts";
import type { Actor } from "./accounts.ts";
import { CommitQueue } from "./commit-queue.ts";
import type { Directory } from "./directory.ts";
import type { Fanout, FrameSink } from "./fanout.ts";
import { DeliveryMarks } from "./delivery-marks.ts";
import type { ReportProblem } from "./problems.ts";
import type { Receipts } from "./receipts.ts";

export interface MessagingSettings {
  maxTextLength: number;
  /** How often device cursors and delivered marks are saved. */
  ackFlushMs: number;
  /** Messages waiting for the store beyond which sends are refused, so an overloaded store cannot fill memory. */
  maxQueuedMessages: number;
  reportProblem: ReportProblem;
}

export interface Sent {
  conv: ConversationId;
  seq: number;
  ts: number;
}

/** Where a message goes: its conversation, the address its recipients see, and the topics that reach them. */
interface Target {
  conv: ConversationId;
  address: string;
  topics: string[];
}

const REPLAY_PAGE = 1000;
/** What a send refused for a full queue is told to wait: a few commits' time. */
const QUEUE_FULL_RETRY_MS = 250;

const encode = (frame: ServerFrame): string => JSON.stringify(frame);

/**
 * Messaging, one-to-one and in groups: store before ack, then fan out; acknowledgements and
 * read marks become receipts; a device that reconnects replays what it missed.
 * The store is the source of truth, the fan-out only a wake-up.
 */
export class Messaging {
  private readonly appends: CommitQueue<NewMessage, AppendResult>;
  private readonly deliveries: DeliveryMarks;

  constructor(
    private readonly store: Store,
    private readonly directory: Directory,
    private readonly fanout: Fanout,
    private readonly receipts: Receipts,
    private readonly settings: MessagingSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.appends = new CommitQueue((batch) => this.store.appendMessages(batch));
    this.deliveries = new DeliveryMarks(store, receipts, settings.ackFlushMs, (error) => settings.reportProblem("saving delivery marks failed", error));
  }

  /**
   * Gives the message its place: checks it, finds the conversation and queues it for the next commit.
   * `stored` settles once it is stored (or found as the earlier copy of a retry) and handed to its
   * recipients, with the ack's contents. Messages are stored in the order they were accepted.
   */
  async accept(actor: Actor, clientId: string, to: string, text: string): Promise<{ stored: Promise<Sent> }> {
    if (text.length > this.settings.maxTextLength) {
      throw new ChatError("text_too_long", `A message has at most ${this.settings.maxTextLength} characters; this one has ${text.length}.`);
    }
    const target = await this.resolve(actor, to);
    if (this.appends.waiting >= this.settings.maxQueuedMessages) {
      throw new ChatError("rate_limited", "The server has more messages waiting to be stored than it takes; nothing was stored. Send again shortly with the same id.", QUEUE_FULL_RETRY_MS);
    }
    const appended = this.appends.push({ conv: target.conv, senderId: actor.userId, clientId, text, sentAt: this.now() });
    return { stored: this.deliver(actor, clientId, text, target, appended) };
  }

  private async deliver(actor: Actor, clientId: string, text: string, target: Target, appended: Promise<AppendResult>): Promise<Sent> {
    const result = await this.storedOrRetryable(appended);
    if (!result.ok) throw new ChatError("not_member", `You are not in ${target.address}.`);
    if (!result.duplicate) {
      const frame = encode({ type: "message", conv: target.conv, seq: result.seq, id: clientId, from: actor.name, to: target.address, text, ts: result.sentAt });
      // The sending device has the message already; every other device of the sender gets it as "sent by you".
      for (const topic of target.topics) this.fanout.publish(topic, frame, actor.deviceId);
    }
    return { conv: target.conv, seq: result.seq, ts: result.sentAt };
  }

  /** The conversation behind an address, and the topics that reach its members. */
  private async resolve(actor: Actor, to: string): Promise<Target> {
    if (isGroupAddress(to)) {
      const group = await this.store.groupByName(to.slice(1));
      // Membership is checked inside the append, in the same transaction as the write.
      if (!group) throw new ChatError("not_member", `You are not in a group named '${to.slice(1)}'.`);
      return { conv: group.conv, address: to, topics: [groupTopic(group.conv)] };
    }
    const recipient = await this.directory.user(to);
    const conv = await this.directory.directConversation(actor.userId, recipient.id);
    const topics = recipient.id === actor.userId ? [userTopic(actor.userId)] : [userTopic(recipient.id), userTopic(actor.userId)];
    return { conv, address: recipient.name, topics };
  }

  /** The append's outcome; a store that cannot be reached becomes a retryable error, never a lost ack. */
  private async storedOrRetryable(appended: Promise<AppendResult>): Promise<AppendResult> {
    try {
      return await appended;
    } catch (error) {
      this.settings.reportProblem("storing a message failed", error);
      throw new ChatError("store_unavailable", "The message could not be stored just now; nothing was saved. Retry with the same id.");
    }
  }

  /** The device processed `conv` up to `seq`: moves its cursor, and the sender sees ✓✓. */
  received(actor: Actor, conv: ConversationId, seq: number): Promise<void> {
    return this.deliveries.received(actor, conv, seq);
  }

  /** The user has seen `conv` up to `seq`: the other side and the reader's other devices learn it. */
  async read(actor: Actor, conv: ConversationId, seq: number): Promise<void> {
    const read = await this.store.saveRead(actor.userId, conv, seq);
    if (read !== null) await this.receipts.read(conv, actor.userId, read, actor.deviceId);
  }

  /**
   * Sends the device everything stored after its cursors, conversation by
   * conversation in sequence order, then the receipts it may have missed.
   * The caller subscribes the device to live delivery of these memberships
   * first, so nothing falls between the replay and the live stream (repeats
   * are dropped by seq).
   */
  async replay(actor: Actor, memberships: Membership[], clientCursors: Record<string, number> | undefined, sink: FrameSink): Promise<void> {
    if (memberships.length === 0) return;
    const serverCursors = await this.store.cursorsOf(actor.deviceId);
    for (const membership of memberships) {
      const cursor = resumeCursor(membership, serverCursors.get(membership.conv), clientCursors?.[membership.conv]);
      if (membership.lastSeq > cursor) await this.replayConversation(actor, membership, cursor, sink);
    }
    const withMessages = new Set(memberships.filter((membership) => membership.lastSeq > 0).map((membership) => membership.conv));
    for (const frame of await this.receipts.snapshot(actor.userId, withMessages)) await write(sink, encode(frame));
  }

  /** The conversations the actor is in, with the topics that carry them live. */
  async conversations(actor: Actor): Promise<Array<Membership & { topic: string }>> {
    const memberships = await this.store.membershipsOf(actor.userId);
    return memberships.map((membership) => ({
      ...membership,
      topic: membership.kind === "group" ? groupTopic(membership.conv) : userTopic(actor.userId),
    }));
  }

  /** A page of the conversation with `peer`, newest first, with each message's tick. */
  async history(actor: Actor, peer: string, before: number | undefined, limit: number): Promise<HistoryPage> {
    const membership = await this.membershipWith(actor, peer);
    const lowest = Math.max(before ?? Number.MAX_SAFE_INTEGER, 0);
    const [messages, members] = await Promise.all([
      this.store.messagesBefore(membership.conv, lowest, limit).then((page) => page.filter((message) => message.seq > membership.joinedSeq)),
      this.store.membersOf(membership.conv),
    ]);
    const readShared = await this.readReceiptsShared(actor, members);
    return {
      messages: messages.map((message) => ({
        conv: membership.conv,
        seq: message.seq,
        id: message.clientId,
        from: message.sender,
        to: addressIn(membership, message, actor.name),
        text: message.text,
        ts: message.sentAt,
        status: statusOf(message.seq, recipientMarks(message, members, readShared)),
      })),
      next: messages.length === limit && messages.at(-1)!.seq > membership.joinedSeq + 1 ? messages.at(-1)!.seq : null,
    };
  }

  /** The actor's membership of the conversation with a user or a #group; non-members learn nothing. */
  private async membershipWith(actor: Actor, peer: string): Promise<Membership> {
    let conv: ConversationId | undefined;
    if (isGroupAddress(peer)) conv = (await this.store.groupByName(peer.slice(1)))?.conv;
    else conv = await this.directory.directConversation(actor.userId, (await this.directory.user(peer)).id);
    const membership = conv === undefined ? null : await this.store.membership(actor.userId, conv);
    if (!membership) throw new ChatError("not_member", `You are not in a group named '${peer.slice(1)}'.`);
    return membership;
  }

  /** Whether read marks may be shown to the actor: both sides share read receipts (groups always do). */
  private async readReceiptsShared(actor: Actor, members: Watermarks[]): Promise<Map<number, boolean>> {
    const shared = new Map<number, boolean>();
    if (members.length !== 2) return shared;
    const mine = (await this.store.privacyOf(actor.userId)).readReceipts;
    for (const member of members) shared.set(member.userId, mine && (await this.store.privacyOf(member.userId)).readReceipts);
    return shared;
  }

  /** Resolves when every accepted write has committed: for shutdown. */
  async flush(): Promise<void> {
    await this.appends.drain();
    await this.deliveries.flush();
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
        const to = addressIn(membership, message, actor.name);
        await write(sink, encode({ type: "message", conv: message.conv, seq: message.seq, id: message.clientId, from: message.sender, to, text: message.text, ts: message.sentAt }));
      }
      cursor = page.at(-1)!.seq;
    }
  }

}

/** The `to` of a message as one member sees it: the #group, or the other person of a direct conversation. */
function addressIn(membership: Membership, message: StoredMessage, viewer: string): string {
  if (membership.kind === "group") return `#${membership.title}`;
  return message.sender === viewer ? membership.title : viewer;
}

/**
 * The marks a message's tick is judged by: in a direct conversation the
 * recipient's, in a group the lowest over everyone but the sender.
 */
function recipientMarks(message: StoredMessage, members: Watermarks[], readShared: Map<number, boolean>): Pick<Watermarks, "delivered" | "read"> | undefined {
  const others = members.filter((member) => member.userId !== message.senderId);
  if (others.length === 0) return undefined;
  const hideRead = others.some((member) => readShared.get(member.userId) === false);
  return {
    delivered: Math.min(...others.map((member) => member.delivered)),
    read: hideRead ? 0 : Math.min(...others.map((member) => member.read)),
  };
}

async function write(sink: FrameSink, frame: string): Promise<void> {
  if (!sink.send(frame)) await sink.drained();
}
