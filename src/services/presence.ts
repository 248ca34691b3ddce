import type { PresenceFrame } from "../protocol/index.ts";
import { userTopic } from "../domain/delivery.ts";
import type { Contact, UserId } from "../domain/types.ts";
import type { LastSeen } from "../store/presence-store.ts";
import type { Store } from "../store/store.ts";
import { CommitQueue } from "./commit-queue.ts";
import type { Actor } from "./accounts.ts";
import type { Fanout } from "./fanout.ts";
import type { ReportProblem } from "./problems.ts";
import type { z } from "zod";
import { withDeadline } from "../domain/deadline.ts";

/** A registry that cannot answer within this (Redis restarting) is skipped; its own heartbeat repairs the counts later. */
const REGISTRY_DEADLINE_MS = 1000;

type Presence = z.infer<typeof PresenceFrame>;

/**
 * Counts connected devices per user across every server: a user is online
 * while any device of theirs is connected anywhere.
 */
export interface OnlineRegistry {
  /** Counts a device in; true when this made the user online. */
  connected(userId: UserId): Promise<boolean>;
  /** Counts a device out; true when this made the user offline. */
  disconnected(userId: UserId): Promise<boolean>;
  onlineAmong(userIds: UserId[]): Promise<Set<UserId>>;
}

/** Online counts for one server, where every device of a user connects to the same process. */
export class LocalOnlineRegistry implements OnlineRegistry {
  private readonly devices = new Map<UserId, number>();

  async connected(userId: UserId): Promise<boolean> {
    const count = (this.devices.get(userId) ?? 0) + 1;
    this.devices.set(userId, count);
    return count === 1;
  }

  async disconnected(userId: UserId): Promise<boolean> {
    const count = (this.devices.get(userId) ?? 0) - 1;
    if (count > 0) this.devices.set(userId, count);
    else this.devices.delete(userId);
    return count <= 0;
  }

  async onlineAmong(userIds: UserId[]): Promise<Set<UserId>> {
    return new Set(userIds.filter((id) => this.devices.has(id)));
  }
}

/**
 * Online / offline and last seen, shown only to the user's contacts (people
 * who count each other as contacts, see Contacts). A change is published once it has held for
 * `settleMs` (each change restarts the wait), with the state the whole
 * cluster is in by then, so a flapping connection sends at most one update
 * per settle time.
 */
export class PresenceService {
  private readonly timers = new Map<UserId, Timer>();
  private readonly counting = new Set<Promise<void>>();
  /**
   * "Last seen" goes to the store in batches (group commit): when a server stops, or a network drops, every
   * user leaves at once, and one write each (with its fsync) took longer than a clean stop may.
   */
  private readonly lastSeen: CommitQueue<LastSeen, undefined>;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly registry: OnlineRegistry,
    private readonly fanout: Fanout,
    private readonly settleMs: number,
    private readonly reportProblem: ReportProblem,
    private readonly now: () => number = Date.now,
  ) {
    this.lastSeen = new CommitQueue(async (seen) => {
      await this.store.setLastSeen(seen);
      return seen.map(() => undefined);
    });
  }

  deviceConnected(actor: Actor): Promise<void> {
    return this.track(async () => {
      // A registry that cannot answer (Redis down) is skipped: presence lapses, the connection goes on.
      if (await withDeadline(this.registry.connected(actor.userId), REGISTRY_DEADLINE_MS, "the online registry").catch(() => false)) this.settle(actor);
    });
  }

  deviceDisconnected(actor: Actor): Promise<void> {
    return this.track(async () => {
      if (!(await withDeadline(this.registry.disconnected(actor.userId), REGISTRY_DEADLINE_MS, "the online registry"))) return;
      await this.lastSeen.push({ userId: actor.userId, at: this.now() });
      this.settle(actor);
    });
  }

  /** Resolves when every device that came or went so far has been counted (before the registry closes). */
  async drained(): Promise<void> {
    while (this.counting.size > 0) await Promise.allSettled([...this.counting]);
  }

  private track(count: () => Promise<void>): Promise<void> {
    const counted = count().finally(() => this.counting.delete(counted));
    this.counting.add(counted);
    return counted;
  }

  /**
   * Where every contact of the viewer stands now: for a device that just
   * connected. Empty when the registry cannot answer quickly: presence is
   * never worth holding up a connection (updates follow when it is back).
   */
  async snapshot(viewer: Actor): Promise<Presence[]> {
    const contacts = await this.store.contactsOf(viewer.userId);
    if (contacts.length === 0) return [];
    const privacy = await this.store.privacyOf(viewer.userId);
    try {
      const online = await withDeadline(this.registry.onlineAmong(contacts.map((contact) => contact.userId)), REGISTRY_DEADLINE_MS, "the online registry");
      return contacts.map((contact) => frameFor(contact, online.has(contact.userId), privacy.hideLastSeen));
    } catch {
      return [];
    }
  }

  /**
   * Two sides who just became contacts learn where the other stands, without
   * waiting for a change or a reconnect.
   */
  async introduce(newcomer: { userId: UserId; name: string }, others: UserId[]): Promise<void> {
    const wanted = new Set(others);
    const [contacts, privacy, lastSeen] = await Promise.all([
      this.store.contactsOf(newcomer.userId),
      this.store.privacyOf(newcomer.userId),
      this.store.lastSeenOf(newcomer.userId),
    ]);
    const met = contacts.filter((contact) => wanted.has(contact.userId));
    // Without an answer from the registry, nobody is shown online: presence lapses, the group change stands.
    const online = await withDeadline(this.registry.onlineAmong([newcomer.userId, ...met.map((contact) => contact.userId)]), REGISTRY_DEADLINE_MS, "the online registry").catch(
      () => new Set<UserId>(),
    );
    const self: Contact = { ...newcomer, lastSeen, hideLastSeen: privacy.hideLastSeen };
    for (const contact of met) {
      this.fanout.publish(userTopic(newcomer.userId), JSON.stringify(frameFor(contact, online.has(contact.userId), privacy.hideLastSeen)));
      this.fanout.publish(userTopic(contact.userId), JSON.stringify(frameFor(self, online.has(newcomer.userId), contact.hideLastSeen)));
    }
  }

  /** Two people stopped being contacts (removed, blocked): each sees the other offline, with no last seen, from now on. */
  conceal(a: { userId: UserId; name: string }, b: { userId: UserId; name: string }): void {
    const hidden = (user: string): Presence => ({ type: "presence", user, online: false, lastSeen: null });
    this.fanout.publish(userTopic(a.userId), JSON.stringify(hidden(b.name)));
    this.fanout.publish(userTopic(b.userId), JSON.stringify(hidden(a.name)));
  }

  private settle(actor: Actor): void {
    if (this.stopped) return;
    clearTimeout(this.timers.get(actor.userId));
    const timer = setTimeout(() => {
      this.timers.delete(actor.userId);
      this.publish(actor).catch((error) => this.reportProblem("presence update failed", error));
    }, this.settleMs);
    this.timers.set(actor.userId, timer);
  }

  private async publish(actor: Actor): Promise<void> {
    const viewers = await this.store.contactsOf(actor.userId);
    if (viewers.length === 0) return;
    const online = (await this.registry.onlineAmong([actor.userId])).has(actor.userId);
    const [privacy, lastSeen] = await Promise.all([this.store.privacyOf(actor.userId), this.store.lastSeenOf(actor.userId)]);
    const self: Contact = { userId: actor.userId, name: actor.name, lastSeen, hideLastSeen: privacy.hideLastSeen };
    for (const viewer of viewers) {
      // Whoever hides their own last seen sees nobody's: the viewer's switch counts too.
      this.fanout.publish(userTopic(viewer.userId), JSON.stringify(frameFor(self, online, viewer.hideLastSeen)));
    }
  }

  /** Stops pending and later updates: for shutdown, when disconnects are still being counted out. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}

function frameFor(contact: Contact, online: boolean, viewerHidesLastSeen: boolean): Presence {
  return {
    type: "presence",
    user: contact.name,
    online,
    lastSeen: contact.hideLastSeen || viewerHidesLastSeen ? null : contact.lastSeen,
  };
}
