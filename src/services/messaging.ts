import { ChatError, DELETED_ACCOUNT, isGroupAddress, type ConversationList, type ConversationSummary, type EventRequest, type HistoryPage, type MessagePlace, type SearchPage, type ServerFrame } from "../protocol/index.ts";
import { groupTopic, resumeCursor, statusOf, userTopic } from "../domain/delivery.ts";
import {
  characterCount,
  searchWords,
  snippetOf,
  textOf,
  type AppendResult,
  type EventBody,
  type EventPolicy,
  type NewEvent,
  type Notice,
  type StoredEvent,
} from "../domain/events.ts";
import type { ConversationId, ConversationKind, Group, Membership, ReadMark, UserId, Watermarks } from "../domain/types.ts";
import type { Store } from "../store/store.ts";
import type { Actor } from "./accounts.ts";
import type { Attachments } from "./attachments.ts";
import { CommitQueue } from "./commit-queue.ts";
import type { SendOrder } from "./send-order.ts";
import type { Directory } from "./directory.ts";
import { addressIn, conversationAddress, eventFrame, historyEntry } from "./event-frames.ts";
import type { Fanout, FrameSink } from "./fanout.ts";
import { DeliveryMarks } from "./delivery-marks.ts";
import type { Contacts } from "./contacts.ts";
import type { ReportProblem } from "./problems.ts";
import type { Receipts } from "./receipts.ts";

export interface MessagingSettings {
  maxTextLength: number;
  /** How long after sending people may edit, and delete for everyone. */
  policy: EventPolicy;
  /** How often device cursors and delivered marks are saved. */
  ackFlushMs: number;
  /**
   * While a commit is in flight, the next one starts no sooner than this after it: fewer, larger commits
   * under load (each costs an fsync and a wake-up of every thread and socket involved), at most this much later.
   */
  busyCommitGapMs: number;
  /** Events waiting for the store beyond which sends are refused, so an overloaded store cannot fill memory. */
  maxQueuedMessages: number;
  reportProblem: ReportProblem;
  /** What a send's attachment id stands for; told when a message was deleted, for its bytes to go. */
  attachments: Pick<Attachments, "forSend" | "messageDeleted">;
}

export interface Sent {
  conv: ConversationId;
  seq: number;
  ts: number;
  expiresAt?: number;
}

/** Where an event goes: its conversation, the address its recipients see, and the topics that reach them. */
interface Target {
  conv: ConversationId;
  address: string;
  topics: string[];
  /** In a direct conversation, the other person (absent when writing to oneself). */
  peer?: UserId;
  /** The other person blocked the sender: the event is stored for the sender alone. */
  hiddenFrom?: UserId;
}

/** Requests that start something new with a person, refused toward someone the actor blocked (changes to what was sent are not). */
const WRITING = new Set<EventRequest["type"]>(["send", "timer"]);

const REPLAY_PAGE = 1000;
/** Events a search indexes before it looks, at most: what a quiet server stores in a few seconds. */
const SEARCH_CATCH_UP = 20_000;
/** What a send refused for a full queue is told to wait: a few commits' time. */
const QUEUE_FULL_RETRY_MS = 250;

const encode = (frame: ServerFrame): string => JSON.stringify(frame);

/** The body an event request stores. */
function bodyOf(request: EventRequest): EventBody {
  switch (request.type) {
    case "send":
      return request.replyTo === undefined ? { kind: "message", text: request.text } : { kind: "message", text: request.text, replyTo: request.replyTo };
    case "edit":
      return { kind: "edit", target: request.target, text: request.text };
    case "delete":
      return { kind: "delete", target: request.target };
    case "react":
      return { kind: "reaction", target: request.target, emoji: request.emoji };
    case "timer":
      return { kind: "notice", notice: { change: "timer", seconds: request.seconds } };
  }
}

/**
 * Messaging, one-to-one and in groups: store before ack, then fan out; acknowledgements and
 * read marks become receipts; a device that reconnects replays what it missed.
 * The store is the source of truth, the fan-out only a wake-up.
 */
export class Messaging {
  private readonly appends: CommitQueue<NewEvent, AppendResult>;
  /** Read marks, many per commit: a busy server takes hundreds a second. */
  private readonly reads: CommitQueue<ReadMark, Pick<Watermarks, "delivered" | "read"> | null>;
  private readonly deliveries: DeliveryMarks;
  private lastAcceptedAt = -Infinity;

  constructor(
    private readonly store: Store,
    private readonly directory: Directory,
    private readonly fanout: Fanout,
    private readonly receipts: Receipts,
    private readonly contacts: Pick<Contacts, "wroteTo" | "hasBlocked" | "areContacts">,
    private readonly settings: MessagingSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.appends = new CommitQueue((batch) => this.store.appendEvents(batch, settings.policy), { busyGapMs: settings.busyCommitGapMs });
    this.reads = new CommitQueue((marks) => this.store.saveReads(marks), { busyGapMs: settings.busyCommitGapMs });
    this.deliveries = new DeliveryMarks(store, receipts, settings.ackFlushMs, (error) => settings.reportProblem("saving delivery marks failed", error));
  }

  /**
   * Gives the event (a message, edit, delete, reaction or timer) its place: checks it, finds the
   * conversation and queues it for the next commit. `stored` settles once it is stored (or found as
   * the earlier copy of a retry) and handed to its recipients, with the ack's contents. Events are
   * stored in the order they were accepted; the store judges each against its target.
   */
  async accept(actor: Actor, request: EventRequest, order?: SendOrder): Promise<{ stored: Promise<Sent> }> {
    const body = bodyOf(request);
    const text = textOf(body);
    // A text has at least as many UTF-16 units as characters: only a long one needs counting.
    if (text !== null && text.length > this.settings.maxTextLength && characterCount(text) > this.settings.maxTextLength) {
      throw new ChatError("text_too_long", `A message has at most ${this.settings.maxTextLength} characters; this one has ${characterCount(text)}.`);
    }
    let target: Target;
    try {
      await this.directory.checkMayAct(actor);
      if (request.type === "send" && request.attachment !== undefined && body.kind === "message") {
        body.attachment = await this.settings.attachments.forSend(actor, request.attachment);
      }
      target = request.type === "send" || request.type === "timer" || request.to !== undefined
        ? await this.resolve(actor, request.to!)
        : await this.conversationOf(actor, request.target);
      if (WRITING.has(request.type) && target.peer !== undefined && (await this.contacts.hasBlocked(actor.userId, target.peer))) {
        throw new ChatError("blocked", `You blocked ${target.address}: unblock them to write to them.`);
      }
    } catch (error) {
      // Refused before its conversation is known: with a retryable error, it holds every conversation of the connection.
      order?.refuse("any", request.id, error);
      throw error;
    }
    return { stored: this.append(actor, request.id, body, target, actor.deviceId, order) };
  }

  /** Stores a notice of a change to a group (created, member added…) and hands it to every member's devices. */
  async groupNotice(actor: Actor, group: Group, notice: Notice): Promise<void> {
    const target = { conv: group.conv, address: `#${group.name}`, topics: [groupTopic(group.conv)] };
    // Every device hears it, the one that asked included: it came over HTTP, so no `sent` fills its place in the stream.
    await this.append(actor, `n-${Bun.randomUUIDv7()}`, { kind: "notice", notice: { ...notice, group: group.name } }, target, undefined);
  }

  /**
   * Queues the event for the next commit. With an `order` (a connection's), an event after a refused
   * one of the same conversation is refused, and a failed write refuses the later events queued behind it.
   * Synchronous up to the push, so no other event of the connection can slip in between the check and the queue.
   */
  private append(actor: Actor, clientId: string, body: EventBody, target: Target, sendingDevice: number | undefined, order?: SendOrder): Promise<Sent> {
    order?.admit(target.conv, clientId);
    if (this.appends.waiting >= this.settings.maxQueuedMessages) {
      const full = new ChatError("rate_limited", "The server has more messages waiting to be stored than it takes; nothing was stored. Send again shortly with the same id.", QUEUE_FULL_RETRY_MS);
      order?.refuse(target.conv, clientId, full);
      throw full;
    }
    const event = { ...body, conv: target.conv, senderId: actor.userId, clientId, sentAt: this.now() } as NewEvent;
    if (target.hiddenFrom !== undefined) event.hiddenFrom = target.hiddenFrom;
    this.lastAcceptedAt = performance.now();
    const lane = order?.lane(target.conv, clientId, (error) => this.storeFailure(error));
    return this.deliver(actor, event, target, this.appends.push(event, lane), sendingDevice);
  }

  private async deliver(actor: Actor, event: NewEvent, target: Target, appended: Promise<AppendResult>, sendingDevice: number | undefined): Promise<Sent> {
    const result = await this.storedOrRetryable(appended);
    if (!result.ok) {
      if (result.reason === "refused") throw new ChatError(result.code, result.message);
      throw new ChatError("not_member", notMemberSentence(target.address));
    }
    if (!result.duplicate) {
      if (event.kind === "delete") this.settings.attachments.messageDeleted();
      const stored: StoredEvent = {
        conv: target.conv,
        seq: result.seq,
        clientId: event.clientId,
        senderId: actor.userId,
        sender: actor.name,
        sentAt: result.sentAt,
        body: event,
        editedAt: null,
        deleted: false,
        expiresAt: result.expiresAt,
        quote: result.quote,
        hidden: false,
      };
      const frame = encode(eventFrame(stored, target.address));
      // The sending device has the event already; every other device of the sender gets it as "sent by you".
      for (const topic of target.topics) this.fanout.publish(topic, frame, sendingDevice);
    }
    // Writing to someone counts them as a contact; when that makes two contacts, each learns where the other
    // stands before the ack. Recorded once per pair (the answer is remembered), so the usual send waits for nothing.
    if (target.peer !== undefined) await this.contacts.wroteTo(actor, target.peer);
    return { conv: target.conv, seq: result.seq, ts: result.sentAt, ...(result.expiresAt === null ? {} : { expiresAt: result.expiresAt }) };
  }

  /** The one conversation of the actor's that holds the message `id`; for actions sent without `to`. */
  private async conversationOf(actor: Actor, id: string): Promise<Target> {
    const convs = await this.store.conversationsWithEvent(actor.userId, id);
    if (convs.length === 0) throw new ChatError("unknown_message", `None of your conversations has a message '${id}'.`);
    if (convs.length > 1) throw new ChatError("bad_request", `Several of your conversations have a message '${id}': say which with \`to\`.`);
    const membership = (await this.store.membership(actor.userId, convs[0]!))!;
    if (membership.kind === "group") return { conv: membership.conv, address: `#${membership.title}`, topics: [groupTopic(membership.conv)] };
    return this.resolve(actor, membership.title);
  }

  /** The conversation behind an address, and the topics that reach its members. */
  private async resolve(actor: Actor, to: string): Promise<Target> {
    if (isGroupAddress(to)) {
      const group = await this.store.groupByName(to.slice(1));
      // Membership is checked inside the append, in the same transaction as the write.
      if (!group) throw new ChatError("not_member", notMemberSentence(to));
      return { conv: group.conv, address: to, topics: [groupTopic(group.conv)] };
    }
    const recipient = await this.directory.user(to);
    if (recipient.id !== actor.userId && (await this.directory.isDeactivated(recipient.id))) {
      throw new ChatError("account_deactivated", `The account '${recipient.name}' is deactivated: messages to it are refused.`);
    }
    const conv = await this.directory.directConversation(actor.userId, recipient.id);
    if (recipient.id === actor.userId) return { conv, address: recipient.name, topics: [userTopic(actor.userId)] };
    // As WhatsApp does, the blocked sender is not told: the event is stored (✓) for them alone, and never reaches the blocker.
    if (await this.contacts.hasBlocked(recipient.id, actor.userId)) {
      return { conv, address: recipient.name, topics: [userTopic(actor.userId)], peer: recipient.id, hiddenFrom: recipient.id };
    }
    return { conv, address: recipient.name, topics: [userTopic(recipient.id), userTopic(actor.userId)], peer: recipient.id };
  }

  /** The append's outcome; a store that cannot be reached becomes a retryable error, never a lost ack. */
  private async storedOrRetryable(appended: Promise<AppendResult>): Promise<AppendResult> {
    try {
      return await appended;
    } catch (error) {
      this.settings.reportProblem("storing a message failed", error);
      throw this.storeFailure(error);
    }
  }

  /** What a client is told when the write of its event failed. */
  private storeFailure(_error: unknown): ChatError {
    return new ChatError("store_unavailable", "The message could not be stored just now; nothing was saved. Retry with the same id.");
  }

  /** The device processed `conv` up to `seq`: moves its cursor, and the sender sees ✓✓. */
  received(actor: Actor, conv: ConversationId, seq: number): Promise<void> {
    return this.deliveries.received(actor, conv, seq);
  }

  /** The user has seen `conv` up to `seq`: the other side and the reader's other devices learn it. */
  async read(actor: Actor, conv: ConversationId, seq: number): Promise<void> {
    const marks = await this.reads.push({ userId: actor.userId, conv, seq });
    if (marks !== null) await this.receipts.read(conv, actor, marks, actor.deviceId);
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

  /** A page of the conversation with `peer`, newest first: each message as it stands now, with its tick and reactions, and the notices. */
  async history(actor: Actor, peer: string, before: number | undefined, limit: number): Promise<HistoryPage> {
    const membership = await this.membershipWith(actor, peer);
    const lowest = Math.max(before ?? Number.MAX_SAFE_INTEGER, 0);
    const [page, members] = await Promise.all([
      this.store.timelineBefore(membership.conv, lowest, limit, actor.userId),
      this.store.membersOf(membership.conv),
    ]);
    const events = page.filter((event) => event.seq > membership.joinedSeq);
    const [shown, reactions] = await Promise.all([
      this.marksShown(actor, membership.kind, members, (userId) => this.store.privacyOf(userId).then((privacy) => privacy.readReceipts)),
      this.store.reactionsTo(membership.conv, events.filter((event) => event.body.kind === "message").map((event) => event.seq)),
    ]);
    return {
      messages: events.map((event) =>
        historyEntry(
          event,
          addressIn(membership, event.sender, actor.name),
          statusOf(event.seq, recipientMarks(event, members, shown)),
          reactions.filter((reaction) => reaction.seq === event.seq),
        ),
      ),
      next: page.length === limit && page.at(-1)!.seq > membership.joinedSeq + 1 ? page.at(-1)!.seq : null,
    };
  }

  /**
   * Every conversation of the actor for a chat list, newest activity first: its newest message or
   * notice (with its tick), the actor's read mark and unread count. A few reads for all of them.
   */
  async conversationList(actor: Actor): Promise<ConversationList> {
    const [memberships, summaries, marks] = await Promise.all([
      this.store.membershipsOf(actor.userId),
      this.store.conversationSummariesOf(actor.userId),
      this.store.conversationMarksOf(actor.userId),
    ]);
    const summaryOf = new Map(summaries.map((summary) => [summary.conv, summary]));
    const marksOf = new Map(marks.map((conversation) => [conversation.conv, conversation]));
    const entries = await Promise.all(
      memberships.map(async (membership): Promise<ConversationSummary> => {
        const summary = summaryOf.get(membership.conv);
        const lastSeq = summary?.lastSeq ?? 0;
        const [event] = lastSeq > 0 ? await this.store.timelineBefore(membership.conv, lastSeq + 1, 1, actor.userId) : [];
        let last: ConversationSummary["last"] = null;
        if (event) {
          const members = marksOf.get(membership.conv)?.members ?? [];
          const sharesRead = new Map(members.map((member) => [member.userId, member.sharesReadReceipts]));
          const shown = await this.marksShown(actor, membership.kind, members, async (userId) => sharesRead.get(userId) ?? true);
          last = historyEntry(event, addressIn(membership, event.sender, actor.name), statusOf(event.seq, recipientMarks(event, members, shown)), []);
        }
        return {
          with: membership.kind === "group" ? `#${membership.title}` : membership.title,
          conv: membership.conv,
          kind: membership.kind,
          read: summary?.read ?? 0,
          unread: summary?.unread ?? 0,
          last,
        };
      }),
    );
    return { conversations: entries.sort((a, b) => (b.last?.ts ?? 0) - (a.last?.ts ?? 0) || b.conv - a.conv) };
  }

  /** Messages with every word of `query`, newest first, in the actor's conversations. */
  async search(actor: Actor, query: string, before: string | undefined, limit: number): Promise<SearchPage> {
    const words = searchWords(query);
    if (words.length === 0) throw new ChatError("bad_request", "Give some words (letters or digits) to search for.");
    // A search first indexes what the background indexer has not reached yet (a busy server defers it).
    await this.store.indexForSearch(SEARCH_CATCH_UP);
    const [found, memberships] = await Promise.all([
      this.store.searchMessages(actor.userId, words, before === undefined ? null : Number(before), limit),
      this.store.membershipsOf(actor.userId),
    ]);
    const byConv = new Map(memberships.map((membership) => [membership.conv, membership]));
    return {
      hits: found.events.flatMap((event) => {
        const membership = byConv.get(event.conv);
        if (!membership || event.body.kind !== "message") return [];
        const peer = conversationAddress(membership);
        return [{ conv: event.conv, seq: event.seq, id: event.clientId, from: event.sender, with: peer, ts: event.sentAt, snippet: snippetOf(event.body.text, words) }];
      }),
      next: found.next === null ? null : String(found.next),
    };
  }

  /** Which of the actor's conversations holds the message `id`. */
  async locate(actor: Actor, id: string): Promise<MessagePlace> {
    const target = await this.conversationOf(actor, id);
    return { id, conv: target.conv, with: target.address };
  }

  /** Deletes a message for the actor only: their devices stop showing it, nobody else notices. */
  async hide(actor: Actor, id: string, to: string | undefined): Promise<void> {
    const target = to === undefined ? await this.conversationOf(actor, id) : await this.resolve(actor, to);
    if (!(await this.store.membership(actor.userId, target.conv))) throw new ChatError("not_member", notMemberSentence(target.address));
    if (!(await this.store.hideEvent(actor.userId, target.conv, id))) {
      throw new ChatError("unknown_message", `There is no message '${id}' in your conversation with ${target.address}.`);
    }
    this.fanout.publish(userTopic(actor.userId), encode({ type: "hidden", conv: target.conv, target: id }));
  }

  /** The actor's membership of the conversation with a user or a #group; non-members learn nothing. */
  private async membershipWith(actor: Actor, peer: string): Promise<Membership> {
    if (peer === DELETED_ACCOUNT) return this.membershipWithDeleted(actor);
    let conv: ConversationId | undefined;
    if (isGroupAddress(peer)) conv = (await this.store.groupByName(peer.slice(1)))?.conv;
    else conv = await this.directory.directConversation(actor.userId, (await this.directory.user(peer)).id);
    const membership = conv === undefined ? null : await this.store.membership(actor.userId, conv);
    if (!membership) throw new ChatError("not_member", notMemberSentence(peer));
    return membership;
  }

  /** The direct conversation with a deleted account, while there is one only: with several, `deleted account` names none. */
  private async membershipWithDeleted(actor: Actor): Promise<Membership> {
    const found = (await this.store.membershipsOf(actor.userId)).filter((membership) => membership.kind === "direct" && membership.title === DELETED_ACCOUNT);
    if (found.length === 1) return found[0]!;
    throw new ChatError("account_deleted", found.length === 0 ? "You have no conversation with a deleted account." : "Several of your conversations are with deleted accounts: 'deleted account' cannot say which.");
  }

  /**
   * How much of each other member's marks the actor may see. In a group, all (as in WhatsApp). In a direct
   * conversation, nothing unless the two are contacts (a stranger gets ✓ only), and the read mark only
   * where both share read receipts.
   */
  private async marksShown(actor: Actor, kind: ConversationKind, members: Watermarks[], sharesReadReceipts: (userId: UserId) => Promise<boolean>): Promise<Map<UserId, MarksShown>> {
    const shown = new Map<UserId, MarksShown>();
    if (kind === "group") return shown;
    const mine = await sharesReadReceipts(actor.userId);
    for (const member of members) {
      if (member.userId === actor.userId) continue;
      if (!(await this.contacts.areContacts(actor.userId, member.userId))) shown.set(member.userId, "none");
      else shown.set(member.userId, mine && (await sharesReadReceipts(member.userId)) ? "read" : "delivered");
    }
    return shown;
  }

  /** Milliseconds since the last event was accepted: how quiet the store's writer is. */
  get quietForMs(): number {
    return performance.now() - this.lastAcceptedAt;
  }

  /** Resolves when every accepted write has committed: for shutdown. */
  async flush(): Promise<void> {
    await Promise.all([this.appends.drain(), this.reads.drain()]);
    await this.deliveries.flush();
  }

  private async replayConversation(actor: Actor, membership: Membership, cursor: number, sink: FrameSink): Promise<void> {
    const oldest = await this.store.oldestSeq(membership.conv);
    if (oldest === null || oldest > cursor + 1) {
      // Retention removed what this device never got: say so rather than skip silently.
      const until = oldest === null ? membership.lastSeq : oldest - 1;
      await write(sink, encode({ type: "gap", conv: membership.conv, with: conversationAddress(membership), after: cursor, until }));
      cursor = until;
    }
    while (cursor < membership.lastSeq) {
      const page = await this.store.eventsAfter(membership.conv, cursor, REPLAY_PAGE, actor.userId);
      if (page.length === 0) return;
      for (const event of page) await write(sink, encode(eventFrame(event, addressIn(membership, event.sender, actor.name))));
      cursor = page.at(-1)!.seq;
    }
  }
}

/** The same sentence whether or not the group exists: an outsider learns nothing from it. */
function notMemberSentence(address: string): string {
  return `You are not in a group named '${address.slice(1)}'.`;
}

/** Which of a member's marks another may see: both, delivered only (read receipts off), or none (not contacts). */
type MarksShown = "read" | "delivered" | "none";

/**
 * The marks a message's tick is judged by: in a direct conversation the
 * recipient's, in a group the lowest over everyone but the sender; absent
 * from `shown`, a member's marks are all visible.
 */
function recipientMarks(message: StoredEvent, members: Watermarks[], shown: Map<UserId, MarksShown>): Pick<Watermarks, "delivered" | "read"> | undefined {
  const others = members.filter((member) => member.userId !== message.senderId);
  if (others.length === 0) return undefined;
  const visible = (member: Watermarks, mark: "delivered" | "read") => {
    const level = shown.get(member.userId) ?? "read";
    return level === "read" || (level === "delivered" && mark === "delivered") ? member[mark] : 0;
  };
  return {
    delivered: Math.min(...others.map((member) => visible(member, "delivered"))),
    read: Math.min(...others.map((member) => visible(member, "read"))),
  };
}

async function write(sink: FrameSink, frame: string): Promise<void> {
  if (!sink.send(frame)) await sink.drained();
}
