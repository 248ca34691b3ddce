import type { ReceiptFrame } from "../protocol/index.ts";
import { groupTopic, userTopic } from "../domain/delivery.ts";
import type { ConversationId, ConversationMarks, DeviceId, GroupMarks, UserId, Watermarks } from "../domain/types.ts";
import type { Store } from "../store/store.ts";
import type { Contacts } from "./contacts.ts";
import type { Directory } from "./directory.ts";
import type { Fanout } from "./fanout.ts";
import type { ReportProblem } from "./problems.ts";

const encode = (frame: ReceiptFrame) => JSON.stringify(frame);

/** The memory of announced marks is forgotten past this size; the cost is a repeated receipt. */
const MAX_ANNOUNCED = 100_000;

/**
 * Turns moved watermarks into receipt frames.
 * Direct: the other person gets each move if the two are contacts (a stranger
 * learns nothing but ✓); a read mark goes only where both people share read
 * receipts, and always to the reader's other devices.
 * Group: one frame for the whole group, the lowest mark over its members,
 * at most once per `groupDelayMs`, so a thousand members acking is not a
 * thousand frames to a thousand devices. (As in WhatsApp, group read
 * receipts ignore the privacy switch.)
 */
export class Receipts {
  private readonly pendingGroups = new Set<ConversationId>();
  private readonly lastGroupMarks = new Map<ConversationId, string>();
  /** The delivered mark last announced per conversation and member, so repeats of an ack send nothing. */
  private readonly announced = new Map<string, number>();
  private groupTimer: Timer | undefined;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly directory: Directory,
    private readonly fanout: Fanout,
    private readonly contacts: Pick<Contacts, "areContacts">,
    private readonly groupDelayMs: number,
    private readonly reportProblem: ReportProblem,
  ) {}

  /**
   * A device of `by` has everything up to `seq` of a direct conversation: the
   * other person hears of it now (once per new mark). Group marks wait for
   * `marksSaved`. An ack for a conversation `by` is not in is ignored.
   */
  async acknowledged(conv: ConversationId, by: { userId: UserId; name: string }, seq: number): Promise<void> {
    if ((await this.directory.kindOf(conv)) !== "direct") return;
    const members = await this.directory.directMembers(conv);
    if (!members.includes(by.userId)) return;
    const key = `${conv}:${by.userId}`;
    if ((this.announced.get(key) ?? -1) >= seq) return;
    if (this.announced.size >= MAX_ANNOUNCED) this.announced.clear();
    this.announced.set(key, seq);
    const frame = encode({ type: "receipt", conv, by: by.name, delivered: seq });
    for (const member of members) {
      if (member !== by.userId && (await this.shared(by.userId, member))) this.fanout.publish(userTopic(member), frame);
    }
  }

  /** Delivered marks of these conversations were saved: the groups among them may have a new lowest mark. */
  async marksSaved(convs: Set<ConversationId>): Promise<void> {
    for (const conv of convs) if ((await this.directory.kindOf(conv)) === "group") this.scheduleGroup(conv);
  }

  /**
   * A member read `conv` up to `marks.read` (saved, with the delivered mark it raised). Costs no read of the
   * members: in a group one receipt follows for everyone (scheduled), in a direct conversation the members are known.
   */
  async read(conv: ConversationId, reader: { userId: UserId; name: string }, marks: Pick<Watermarks, "delivered" | "read">, fromDevice: DeviceId): Promise<void> {
    // The reader's other devices always learn it: unread state stays in step across devices.
    // A read mark raised the delivered mark with it (reading implies having received): both go out.
    this.fanout.publish(userTopic(reader.userId), encode({ type: "receipt", conv, by: reader.name, ...marks }), fromDevice);
    if ((await this.directory.kindOf(conv)) === "group") return this.scheduleGroup(conv);
    const readerShares = (await this.store.privacyOf(reader.userId)).readReceipts;
    for (const member of await this.directory.directMembers(conv)) {
      if (member === reader.userId || !(await this.shared(reader.userId, member))) continue;
      const shared = readerShares && (await this.store.privacyOf(member)).readReceipts;
      // Reading implies having received: where the read stays private it still counts as ✓✓.
      this.fanout.publish(userTopic(member), encode({ type: "receipt", conv, by: reader.name, ...(shared ? marks : { delivered: marks.delivered }) }));
    }
  }

  /** The receipts a device that was away should know of, for these conversations of the viewer's (two store reads). */
  async snapshot(viewer: UserId, convs: Set<ConversationId>): Promise<ReceiptFrame[]> {
    if (convs.size === 0) return [];
    const [directs, groups] = await Promise.all([this.store.conversationMarksOf(viewer, "direct"), this.store.groupMarksOf(viewer)]);
    const frames = await Promise.all(
      directs
        .filter((conversation) => convs.has(conversation.conv))
        .map(async (conversation) => {
          // With someone who is not a contact, only the viewer's own marks (for their other devices).
          const other = conversation.members.find((member) => member.userId !== viewer);
          const shown = other === undefined || (await this.contacts.areContacts(viewer, other.userId)) ? conversation : { ...conversation, members: conversation.members.filter((member) => member !== other) };
          return directReceipts(shown, viewer);
        }),
    );
    return [...frames.flat(), ...groups.filter((group) => convs.has(group.conv)).map(groupFrame)];
  }

  /**
   * Whether receipts go between the two (they are contacts). A store that cannot say (down) means no: the
   * receipt is a courtesy the next connection's snapshot repairs, not worth failing the ack or read for.
   */
  private shared(a: UserId, b: UserId): Promise<boolean> {
    return this.contacts.areContacts(a, b).catch(() => false);
  }

  /** Two people just became contacts: each learns how far the other got in their direct conversation, withheld until now. */
  async shareMarks(a: UserId, b: UserId): Promise<void> {
    const conversations = await this.store.conversationMarksOf(a, "direct");
    const direct = conversations.find((conversation) => conversation.members.some((member) => member.userId === b));
    if (!direct) return;
    for (const viewer of [a, b]) for (const frame of directReceipts(direct, viewer)) this.fanout.publish(userTopic(viewer), encode(frame));
  }

  private async flushGroups(): Promise<void> {
    clearTimeout(this.groupTimer);
    this.groupTimer = undefined;
    const convs = [...this.pendingGroups];
    this.pendingGroups.clear();
    await Promise.all(convs.map((conv) => this.publishGroup(conv)));
  }

  /** Sends what is pending and schedules nothing more: for shutdown. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.flushGroups();
  }

  private scheduleGroup(conv: ConversationId): void {
    if (this.stopped) return;
    this.pendingGroups.add(conv);
    this.groupTimer ??= setTimeout(() => {
      this.flushGroups().catch((error) => this.reportProblem("group receipts failed", error));
    }, this.groupDelayMs);
  }

  private async publishGroup(conv: ConversationId): Promise<void> {
    const group = await this.store.groupMarks(conv);
    if (!group) return;
    const marks = `${group.delivered}:${group.read}`;
    if (this.lastGroupMarks.get(conv) === marks) return;
    this.lastGroupMarks.set(conv, marks);
    this.fanout.publish(groupTopic(conv), encode(groupFrame(group)));
  }
}

/** In a direct conversation each member's marks, read only where both share read receipts. */
function directReceipts({ conv, members }: ConversationMarks, viewer: UserId): ReceiptFrame[] {
  const viewerShares = members.some((member) => member.userId === viewer && member.sharesReadReceipts);
  return members
    .filter((member) => member.delivered > 0 || member.read > 0)
    .map((member) => {
      const showRead = member.userId === viewer || (viewerShares && member.sharesReadReceipts);
      return { type: "receipt", conv, by: member.name, delivered: member.delivered, ...(showRead ? { read: member.read } : {}) };
    });
}

/** A group's one receipt: its lowest marks over all members. */
function groupFrame({ conv, name, delivered, read }: GroupMarks): ReceiptFrame {
  return { type: "receipt", conv, by: `#${name}`, delivered, read };
}
