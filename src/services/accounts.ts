import { ChatError, type Credentials } from "../protocol/index.ts";
import { hashSessionToken, newSessionToken } from "../domain/tokens.ts";
import type { Device, DeviceId, Privacy, User } from "../domain/types.ts";
import type { Store } from "../store/store.ts";
import { exportData } from "./data-export.ts";

/** Who is acting: established from a session token, never from anything the client claims. */
export interface Actor {
  userId: number;
  name: string;
  deviceId: DeviceId;
}

export interface IssuedSession {
  user: string;
  token: string;
  device: { id: DeviceId; name: string };
}

/** Invite codes are kept as their SHA-256, like session tokens; surrounding whitespace from a copy and paste is ignored. */
export function hashInviteCode(code: string): string {
  return hashSessionToken(code.trim());
}

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/**
 * A new invite code: 130 random bits as 26 characters of a-z and 2-7, easy to read out, safe in a URL, and
 * never starting with `-` (a base64url code could, and then `--invite CODE` reads as another option).
 */
export function newInviteCode(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(26)), (byte) => BASE32[byte & 31]).join("");
}

const DEFAULT_DEVICE_NAME = "device";

/** Who may register: anyone, holders of an invite code (`chat-server admin invite`), or nobody. */
export const REGISTRATION_MODES = ["open", "invite", "closed"] as const;
export type RegistrationMode = (typeof REGISTRATION_MODES)[number];

export interface AccountLimits {
  /** Devices (logged-in sessions) one account may have at once. */
  maxDevices: number;
  /** Open when left out. */
  registration?: RegistrationMode;
  /** Days before a deleted account's name may be registered again (30 when left out; 0: at once). */
  nameReuseDays?: number;
}

const DAY_MS = 86_400_000;
const DEFAULT_NAME_REUSE_DAYS = 30;

/** Hashes a new password for storage; login verifies with the parameters the hash carries. */
export type PasswordHasher = (password: string) => Promise<string>;

/** argon2id at Bun's default cost: tens of milliseconds per hash, by design. */
export const ARGON2ID: PasswordHasher = (password) => Bun.password.hash(password);

/** Registration, login and session tokens. */
export class Accounts {
  constructor(
    private readonly store: Store,
    private readonly limits: AccountLimits,
    private readonly hashPassword: PasswordHasher = ARGON2ID,
    private readonly now: () => number = Date.now,
  ) {}

  async register(credentials: Credentials): Promise<IssuedSession> {
    const mode = this.limits.registration ?? "open";
    if (mode === "closed") {
      throw new ChatError("registration_closed", "This server does not register new accounts: ask its operator for one.");
    }
    if (mode === "invite" && !credentials.invite) {
      throw new ChatError("invite_invalid", "This server registers by invitation only: give the invite code you were sent (chat-client --invite CODE).");
    }
    await this.checkNameReusable(credentials.name);
    const hash = await this.hashPassword(credentials.password);
    const user =
      mode === "invite"
        ? await this.store.createInvitedUser(credentials.name, hash, this.now(), hashInviteCode(credentials.invite!))
        : await this.store.createUser(credentials.name, hash, this.now());
    if (user === "invite_invalid") {
      throw new ChatError("invite_invalid", "That invite code is not valid: it is unknown, used up or expired. Ask for a new one.");
    }
    if (!user) throw new ChatError("name_taken", `The name '${credentials.name}' is taken.`);
    return this.issue(user, credentials.device);
  }

  async login(credentials: Credentials): Promise<IssuedSession> {
    const user = await this.store.userByName(credentials.name);
    if (!user) throw new ChatError("unknown_user", `There is no user named '${credentials.name}'.`);
    if (!(await Bun.password.verify(credentials.password, user.passwordHash))) {
      throw new ChatError("wrong_password", "The name and password do not match.");
    }
    // Told only to whoever knows the password, so guessing learns nothing of it.
    if ((await this.store.accountState(user.id)) === "deactivated") {
      throw new ChatError("account_deactivated", `The account '${user.name}' is deactivated: ask the server's operator.`);
    }
    return this.issue(user, credentials.device);
  }

  /**
   * The actor's own password change, after the current password. With `logOutOtherDevices` every other
   * device is logged out (the caller closes their sockets: their ids are returned); this one stays.
   */
  async changePassword(actor: Actor, currentPassword: string, newPassword: string, logOutOtherDevices: boolean): Promise<DeviceId[]> {
    await this.checkPassword(actor, currentPassword);
    return this.store.changePassword(actor.userId, await this.hashPassword(newPassword), logOutOtherDevices ? actor.deviceId : "all");
  }

  /** Deletes the actor's account; the caller has checked the password (checkPassword) and closes the sockets. */
  async deleteAccount(actor: Actor): Promise<void> {
    await this.store.deleteAccount(actor.name, this.now());
  }

  /** The name of a deleted account is kept from others for `nameReuseDays`, so nobody passes for its owner. */
  private async checkNameReusable(name: string): Promise<void> {
    const retiredAt = await this.store.nameRetiredAt(name);
    const reusableAt = retiredAt === null ? null : retiredAt + (this.limits.nameReuseDays ?? DEFAULT_NAME_REUSE_DAYS) * DAY_MS;
    if (reusableAt !== null && reusableAt > this.now()) {
      throw new ChatError(
        "name_taken",
        `The name '${name}' belonged to an account deleted recently: it may be registered again from ${new Date(reusableAt).toISOString().slice(0, 10)}.`,
      );
    }
  }

  /** The actor's data, as the pieces of one JSON document (see exportData). */
  exportData(actor: Actor): AsyncGenerator<string> {
    return exportData(this.store, actor, this.now());
  }

  /** Refuses with `wrong_password` unless `password` is the actor's. */
  async checkPassword(actor: Actor, password: string): Promise<void> {
    const user = await this.store.userById(actor.userId);
    if (!user || !(await Bun.password.verify(password, user.passwordHash))) {
      throw new ChatError("wrong_password", "That password is not right.");
    }
  }

  /** The actor behind a session token; throws `unauthorized` for an unknown or revoked one. */
  async authenticate(token: string): Promise<Actor> {
    const device = await this.store.deviceByTokenHash(hashSessionToken(token));
    const user = device && (await this.store.userById(device.userId));
    if (!device || !user) throw new ChatError("unauthorized", "The session token is not valid: log in again.");
    return { userId: user.id, name: user.name, deviceId: device.id };
  }

  devices(actor: Actor): Promise<Device[]> {
    return this.store.devicesOf(actor.userId);
  }

  /** Revokes one of the actor's devices; the caller closes its connection. */
  async revokeDevice(actor: Actor, deviceId: DeviceId): Promise<void> {
    if (!(await this.store.revokeDevice(actor.userId, deviceId))) {
      throw new ChatError("not_found", `You have no device with id ${deviceId}.`);
    }
  }

  privacy(actor: Actor): Promise<Privacy> {
    return this.store.privacyOf(actor.userId);
  }

  setPrivacy(actor: Actor, update: Partial<Privacy>): Promise<Privacy> {
    return this.store.setPrivacy(actor.userId, update);
  }

  private async issue(user: User, deviceName = DEFAULT_DEVICE_NAME): Promise<IssuedSession> {
    const token = newSessionToken();
    const device = await this.store.createDevice(user.id, deviceName, hashSessionToken(token), this.now(), this.limits.maxDevices);
    if (!device) {
      throw new ChatError(
        "limit_reached",
        `An account may have at most ${this.limits.maxDevices} devices and '${user.name}' has as many: log one out first (from one of them, or with DELETE /api/devices/:id).`,
      );
    }
    return { user: user.name, token, device: { id: device.id, name: device.name } };
  }
}
