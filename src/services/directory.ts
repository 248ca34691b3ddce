import { ChatError } from "../protocol/index.ts";
import type { ConversationId, ConversationKind, User, UserId } from "../domain/types.ts";
import type { Store } from "../store/store.ts";

const MAX_CACHED = 100_000;
/** How long a user's deactivation state is trusted before it is read again. */
export const DEACTIVATION_CACHE_MS = 1_000;

/**
 * Name and conversation look-ups with a memory: names never change owner and
 * a direct conversation's members never change, so both are safe to cache.
 */
export class Directory {
  private readonly usersByName = new Map<string, User>();
  private readonly directByPair = new Map<string, ConversationId>();
  private readonly kinds = new Map<ConversationId, ConversationKind>();
  private readonly directMembersByConv = new Map<ConversationId, UserId[]>();
  /** Deactivation can change at any time (from `chat-server admin`, another process): remembered briefly only. */
  private readonly deactivated = new Map<UserId, { deactivated: boolean; until: number }>();

  constructor(
    private readonly store: Store,
    private readonly now: () => number = Date.now,
  ) {}

  async user(name: string): Promise<User> {
    const cached = this.usersByName.get(name);
    if (cached) return cached;
    const user = await this.store.userByName(name);
    if (!user) throw new ChatError("unknown_user", `There is no user named '${name}'.`);
    remember(this.usersByName, name, user);
    return user;
  }

  /** Whether the operator deactivated the account; at most DEACTIVATION_CACHE_MS old. */
  async isDeactivated(userId: UserId): Promise<boolean> {
    const now = this.now();
    const cached = this.deactivated.get(userId);
    if (cached && cached.until > now) return cached.deactivated;
    const deactivated = await this.store.isDeactivated(userId);
    remember(this.deactivated, userId, { deactivated, until: now + DEACTIVATION_CACHE_MS });
    return deactivated;
  }

  async directConversation(a: UserId, b: UserId): Promise<ConversationId> {
    const key = a < b ? `${a}:${b}` : `${b}:${a}`;
    const cached = this.directByPair.get(key);
    if (cached !== undefined) return cached;
    const conv = await this.store.directConversation(a, b, this.now());
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
