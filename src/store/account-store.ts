import type { Device, DeviceId, User, UserId } from "../domain/types.ts";

/** One account as the operator's `chat-server admin users` lists it. */
export interface UserSummary {
  name: string;
  createdAt: number;
  /** The latest activity of any of its devices; null with none. */
  lastActive: number | null;
  devices: number;
  deactivated: boolean;
}

/** Whether an account may act: deactivated by the operator, or deleted (by its owner or the operator). */
export type AccountState = "active" | "deactivated" | "deleted";

/** Accounts and their devices (sessions). */
export interface AccountStore {
  createUser(name: string, passwordHash: string, now: number): Promise<User | null>;
  /**
   * Registration by invitation: in one transaction, uses up one use of the invite whose code hashes to
   * `inviteCodeHash` (unexpired at `now`, with a use left) and creates the user. "invite_invalid" when no
   * such invite (nothing changes); null when the name is taken (the invite keeps its use).
   */
  createInvitedUser(name: string, passwordHash: string, now: number, inviteCodeHash: string): Promise<User | null | "invite_invalid">;
  /** Keeps an invite for `uses` registrations; `expiresAt` null for one that never expires. */
  createInvite(codeHash: string, uses: number, expiresAt: number | null, now: number): Promise<void>;
  userByName(name: string): Promise<User | null>;
  userById(id: UserId): Promise<User | null>;
  /**
   * A new device starts, in every conversation, where the user's delivery watermark stands:
   * undelivered messages reach it, delivered ones stay in history. Null when the user has
   * `maxDevices` devices already: counted in the same transaction as the insert.
   */
  createDevice(userId: UserId, name: string, tokenHash: string, now: number, maxDevices: number): Promise<Device | null>;
  deviceByTokenHash(tokenHash: string): Promise<Device | null>;
  devicesOf(userId: UserId): Promise<Device[]>;
  /** Deletes the device and its token; false when the user has no such device. */
  revokeDevice(userId: UserId, deviceId: DeviceId): Promise<boolean>;
  touchDevices(deviceIds: DeviceId[], now: number): Promise<void>;
  /** Every account not deleted, by name. */
  listUsers(): Promise<UserSummary[]>;
  /**
   * Deactivates (at `now`) or, with null, reactivates the named account; deactivating also deletes every
   * device and its token in the same transaction. The user's id, or null when no account has the name.
   */
  setDeactivated(name: string, deactivatedAt: number | null): Promise<UserId | null>;
  accountState(userId: UserId): Promise<AccountState>;
  /** A new password hash for the named account, and every device logged out; false when no account has the name. */
  setPasswordHash(name: string, passwordHash: string): Promise<boolean>;
  /**
   * The user's own password change: a new hash, and with `keep` every other device logged out (the one
   * making the change stays); with "all" every device stays. The ids of the devices logged out.
   */
  changePassword(userId: UserId, passwordHash: string, keep: DeviceId | "all"): Promise<DeviceId[]>;
  /**
   * Deletes the named account at `now`, in one transaction: every device and token, its hidden marks and
   * group memberships go (a group it leaves without an admin gets its longest-standing member as admin);
   * its messages and direct conversations stay and show it as "deleted account"; its name is free and
   * retired at `now`. The user's id, or null when no account has the name.
   */
  deleteAccount(name: string, now: number): Promise<UserId | null>;
  /** When a deleted account last had this name; null when none did. */
  nameRetiredAt(name: string): Promise<number | null>;
  /** Those of `deviceIds` that still exist (not logged out, nor their user deactivated). */
  existingDevices(deviceIds: DeviceId[]): Promise<DeviceId[]>;
}
