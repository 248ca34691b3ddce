import { ChatError, DELETED_ACCOUNT } from "../protocol/index.ts";
import type { ConversationId, ConversationKind, User, UserId } from "../domain/types.ts";
import type { AccountState } from "../store/account-store.ts";
import type { Store } from "../store/store.ts";

const MAX_CACHED = 100_000;
/** How long a user's state (active, deactivated, deleted) is trusted before it is read again. */
export const DEACTIVATION_CACHE_MS = 1_000;

/**
 * Name and conversation look-ups with a memory: a name changes owner only after its account is deleted
 * (checked on every look-up) and a direct conversation's members never change, so both are safe to cache.
 */
export class Directory {
  private readonly usersByName = new Map<string, User>();
  private readonly directByPair = new Map<string, ConversationId>();
  private readonly kinds = new Map<ConversationId, ConversationKind>();
  private readonly directMembersByConv = new Map<ConversationId, UserId[]>();
  /** Deactivation and deletion can happen at any time (from `chat-server admin`, another process): remembered briefly only. */
  private readonly states = new Map<UserId, { state: AccountState; until: number }>();

  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  /** The account that has the name now; `account_deleted` for one that was deleted and not registered again. */
  async user(name: string): Promise<User> {
    if (name === DELETED_ACCOUNT) throw new ChatError("account_deleted", "That account was deleted: messages to it are refused.");
    const cached = this.usersByName.get(name);
    if (cached && (await this.accountState(cached.id)) !== "deleted") return cached;
    this.usersByName.delete(name);
    const user = await this.store.userByName(name);
    if (!user) {
      if ((await this.store.nameRetiredAt(name)) !== null) {
        throw new ChatError("account_deleted", `The account '${name}' was deleted: messages to it are refused.`);
      }
      throw new ChatError("unknown_user", `There is no user named '${name}'.`);
    }
    remember(this.usersByName, name, user);
    return user;
  }

  /** The account's state; at most DEACTIVATION_CACHE_MS old. */
  async accountState(userId: UserId): Promise<AccountState> {
    const now = this.now();
    const cached = this.states.get(userId);
    if (cached && cached.until > now) return cached.state;
    const state = await this.store.accountState(userId);
    remember(this.states, userId, { state, until: now + DEACTIVATION_CACHE_MS });
    return state;
  }

  /** Whether the operator deactivated the account; at most DEACTIVATION_CACHE_MS old. */
  async isDeactivated(userId: UserId): Promise<boolean> {
    return (await this.accountState(userId)) === "deactivated";
  }

  /** Refuses a device whose account was deactivated or deleted elsewhere, until the sweep closes its socket. */
  async checkMayAct(actor: { userId: UserId; name: string }): Promise<void> {
    const state = await this.accountState(actor.userId);
    if (state === "deactivated") throw new ChatError("account_deactivated", `Your account '${actor.name}' is deactivated: ask the server's operator.`);
    if (state === "deleted") throw new ChatError("account_deleted", `Your account '${actor.name}' was deleted.`);
  }

  async directConversation(a: UserId, b: UserId): Promise<ConversationId> {
    const key = a < b ? `${a}:${b}` : `${b}:${a}`;
    const cached = this.directByPair.get(key);
    if (cached !== undefined) return cached;
    // Created once per pair, ever: the look-up reads, and only a first conversation goes to the writer.
    const conv = (await this.store.findDirectConversation(a, b)) ?? (await this.store.directConversation(a, b, this.now()));
    remember(this.directByPair, key, conv);
    remember(this.kinds, conv, "direct");
    remember(this.directMembersByConv, conv, a === b ? [a] : [a, b]);
    return conv;
  }

  /** The members of a direct conversation (one or two users; fixed once it exists). */
  async directMembers(conv: ConversationId): Promise<UserId[]> {
    const cached = this.directMembersByConv.get(conv);
    if (cached) return cached;
    const members = (await this.store.membersOf(conv)).map((member) => member.userId);
    remember(this.directMembersByConv, conv, members);
    return members;
  }

  /** Direct or group: fixed for the life of a conversation. */
  async kindOf(conv: ConversationId): Promise<ConversationKind | null> {
    const cached = this.kinds.get(conv);
    if (cached) return cached;
    const kind = (await this.store.conversationInfo(conv))?.kind ?? null;
    if (kind) remember(this.kinds, conv, kind);
    return kind;
  }
}

function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  // A plain bound, not an LRU: a miss only costs one indexed query.
  if (map.size >= MAX_CACHED) map.clear();
  map.set(key, value);
}
