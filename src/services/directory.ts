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

  // A cache hit answers at once, without a promise: these run for every message sent.

  user(name: string): User | Promise<User> {
    return this.usersByName.get(name) ?? this.loadUser(name);
  }

  /** Whether the operator deactivated the account; at most DEACTIVATION_CACHE_MS old. */
  isDeactivated(userId: UserId): boolean | Promise<boolean> {
    const now = this.now();
    const cached = this.deactivated.get(userId);
    if (cached && cached.until > now) return cached.deactivated;
    return this.loadDeactivated(userId, now);
  }

  directConversation(a: UserId, b: UserId): ConversationId | Promise<ConversationId> {
    const key = a < b ? `${a}:${b}` : `${b}:${a}`;
    return this.directByPair.get(key) ?? this.loadDirectConversation(a, b, key);
  }

  /** The members of a direct conversation (one or two users; fixed once it exists). */
  directMembers(conv: ConversationId): UserId[] | Promise<UserId[]> {
    return this.directMembersByConv.get(conv) ?? this.loadDirectMembers(conv);
  }

  /** Direct or group: fixed for the life of a conversation. */
  kindOf(conv: ConversationId): ConversationKind | null | Promise<ConversationKind | null> {
    return this.kinds.get(conv) ?? this.loadKind(conv);
  }

  private async loadUser(name: string): Promise<User> {
    const user = await this.store.userByName(name);
    if (!user) throw new ChatError("unknown_user", `There is no user named '${name}'.`);
    remember(this.usersByName, name, user);
    return user;
  }

  private async loadDeactivated(userId: UserId, now: number): Promise<boolean> {
    const deactivated = await this.store.isDeactivated(userId);
    remember(this.deactivated, userId, { deactivated, until: now + DEACTIVATION_CACHE_MS });
    return deactivated;
  }

  private async loadDirectConversation(a: UserId, b: UserId, key: string): Promise<ConversationId> {
    const conv = await this.store.directConversation(a, b, this.now());
    remember(this.directByPair, key, conv);
    remember(this.kinds, conv, "direct");
    remember(this.directMembersByConv, conv, a === b ? [a] : [a, b]);
    return conv;
  }

  private async loadDirectMembers(conv: ConversationId): Promise<UserId[]> {
    const members = (await this.store.membersOf(conv)).map((member) => member.userId);
    remember(this.directMembersByConv, conv, members);
    return members;
  }

  private async loadKind(conv: ConversationId): Promise<ConversationKind | null> {
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
