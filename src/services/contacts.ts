import { ChatError, type ContactList, type ContactState, type ServerFrame } from "../protocol/index.ts";
import { userTopic } from "../domain/delivery.ts";
import type { User, UserId } from "../domain/types.ts";
import type { Store } from "../store/store.ts";
import type { Actor } from "./accounts.ts";
import type { Directory } from "./directory.ts";
import type { Fanout } from "./fanout.ts";
import type { PresenceService } from "./presence.ts";
import type { ReportProblem } from "./problems.ts";

/**
 * How long an answer about two people (contacts? blocked?) is trusted. Changes made through this server
 * apply at once; one made through another server sharing the store, within this time.
 */
export const RELATION_CACHE_MS = 1_000;
/** Writing to someone counts them as a contact; this long the server remembers that it is recorded, so a chat costs one read a minute (a new contact, one write). */
const WROTE_TO_CACHE_MS = 60_000;
const MAX_CACHED = 100_000;

const encode = (frame: ServerFrame) => JSON.stringify(frame);

/**
 * Contacts and blocks. Someone counts another as a contact once they write to them in a direct
 * conversation, or add (accept) them; two people who count each other are contacts, and only contacts
 * learn each other's presence, typing and receipts. Blocking someone stops counting them, refuses
 * their group adds, and keeps what they write from ever reaching the blocker.
 */
export class Contacts {
  private readonly relations = new Map<string, { value: boolean; until: number }>();
  private readonly recorded = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly directory: Directory,
    private readonly fanout: Fanout,
    private readonly presence: Pick<PresenceService, "introduce" | "conceal">,
    /** Called when two people become contacts: receipts withheld until then can go out. */
    private readonly becameContacts: (a: UserId, b: UserId) => Promise<void>,
    private readonly reportProblem: ReportProblem,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether `a` and `b` count each other as contacts. */
  areContacts(a: UserId, b: UserId): Promise<boolean> {
    const [low, high] = a < b ? [a, b] : [b, a];
    return this.remembered(`c:${low}:${high}`, () => this.store.areContacts(low, high));
  }

  /** Whether `owner` blocked `other`. */
  hasBlocked(owner: UserId, other: UserId): Promise<boolean> {
    return this.remembered(`b:${owner}:${other}`, () => this.store.hasBlocked(owner, other));
  }

  /**
   * The actor wrote to `peer` in their direct conversation: the actor counts them as a contact. Undefined
   * (no promise to wait for) when that is recorded already, the common case.
   */
  wroteTo(actor: Actor, peer: UserId): Promise<void> | undefined {
    const key = `${actor.userId}:${peer}`;
    if ((this.recorded.get(key) ?? 0) > this.now()) return undefined;
    return this.countUnlessCounted(actor, peer, key).catch((error) => this.reportProblem("recording a contact failed", error));
  }

  /** Most people written to are counted already: a read says so, and only a new contact waits for the writer. */
  private async countUnlessCounted(actor: Actor, peer: UserId, key: string): Promise<void> {
    if (await this.store.countsAsContact(actor.userId, peer)) this.remember(key);
    else await this.count(actor, peer);
  }

  /** Adds (or, for someone who wrote first, accepts) `name` as a contact; adding someone blocked unblocks them. */
  async add(actor: Actor, name: string): Promise<{ name: string; mutual: boolean }> {
    const other = await this.other(actor, name, "add");
    if (await this.store.unblock(actor.userId, other.id)) this.forget(actor.userId, other.id);
    const mutual = await this.count(actor, other.id, other.name);
    return { name: other.name, mutual };
  }

  async remove(actor: Actor, name: string): Promise<void> {
    const other = await this.other(actor, name, "remove");
    if (!(await this.store.removeContact(actor.userId, other.id))) return;
    await this.ended(actor, other);
    this.announce(actor, other.name, "none");
  }

  async block(actor: Actor, name: string): Promise<void> {
    const other = await this.other(actor, name, "block");
    if (!(await this.store.block(actor.userId, other.id, this.now()))) return;
    await this.ended(actor, other);
    this.announce(actor, other.name, "blocked");
  }

  async unblock(actor: Actor, name: string): Promise<void> {
    const other = await this.other(actor, name, "unblock");
    if (!(await this.store.unblock(actor.userId, other.id))) return;
    this.forget(actor.userId, other.id);
    this.announce(actor, other.name, "none");
  }

  async list(actor: Actor): Promise<ContactList> {
    const [contacts, blocked] = await Promise.all([this.store.contactListOf(actor.userId), this.store.blockedBy(actor.userId)]);
    return { contacts, blocked };
  }

  /** Records that the actor counts `peer`; when that is new, their devices hear of it, and a new pair of contacts learn where each stands. */
  private async count(actor: Actor, peer: UserId, peerName?: string): Promise<boolean> {
    const { added, mutual } = await this.store.addContact(actor.userId, peer, this.now());
    this.remember(`${actor.userId}:${peer}`);
    if (!added) return mutual;
    this.forget(actor.userId, peer);
    this.announce(actor, peerName ?? (await this.store.userById(peer))?.name, "contact");
    if (!mutual) return false;
    await Promise.all([this.presence.introduce({ userId: actor.userId, name: actor.name }, [peer]), this.becameContacts(actor.userId, peer)]).catch((error) =>
      this.reportProblem("introducing contacts failed", error),
    );
    return true;
  }

  /** Two people stopped being contacts: each stops seeing the other online. */
  private async ended(actor: Actor, other: User): Promise<void> {
    this.forget(actor.userId, other.id);
    this.recorded.delete(`${actor.userId}:${other.id}`);
    this.presence.conceal({ userId: actor.userId, name: actor.name }, { userId: other.id, name: other.name });
  }

  private announce(actor: Actor, user: string | undefined, state: ContactState): void {
    if (user !== undefined) this.fanout.publish(userTopic(actor.userId), encode({ type: "contact", user, state }));
  }

  private async other(actor: Actor, name: string, verb: string): Promise<User> {
    const other = await this.directory.user(name);
    if (other.id === actor.userId) throw new ChatError("bad_request", `You cannot ${verb} yourself.`);
    return other;
  }

  /** The counting under `key` is recorded in the store: wroteTo skips it for a while. */
  private remember(key: string): void {
    if (this.recorded.size >= MAX_CACHED) this.recorded.clear();
    this.recorded.set(key, this.now() + WROTE_TO_CACHE_MS);
  }

  private forget(a: UserId, b: UserId): void {
    const [low, high] = a < b ? [a, b] : [b, a];
    this.relations.delete(`c:${low}:${high}`);
    this.relations.delete(`b:${a}:${b}`);
  }

  private async remembered(key: string, read: () => Promise<boolean>): Promise<boolean> {
    const now = this.now();
    const cached = this.relations.get(key);
    if (cached && cached.until > now) return cached.value;
    const value = await read();
    if (this.relations.size >= MAX_CACHED) this.relations.clear();
    this.relations.set(key, { value, until: now + RELATION_CACHE_MS });
    return value;
  }
}
