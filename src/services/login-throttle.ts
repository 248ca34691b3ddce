import { ChatError } from "../protocol/index.ts";
import type { RateLimiter } from "./rate-limiter.ts";

/** Either may be left out, for no limit of that kind. */
export interface LoginThrottleLimiters {
  /** Login and register attempts from one client address, successful or not. */
  attemptsPerAddress?: RateLimiter | undefined;
  /**
   * Logins of one account name from one address; a success refills it, so in effect it counts failures.
   * Keyed by name and address, so a stranger's guesses lock the stranger out, not the owner.
   */
  failuresPerName?: RateLimiter | undefined;
  /**
   * Logins of one account name from every address together: a larger, slower budget against guessing
   * spread over many addresses. A success refills it too.
   */
  failuresPerNameEverywhere?: RateLimiter | undefined;
}

function seconds(ms: number): string {
  const whole = Math.max(1, Math.ceil(ms / 1000));
  return whole === 1 ? "1 second" : `${whole} seconds`;
}

/**
 * Slows password guessing: one address may only try so often; a name that
 * failed too often from one address is locked for a while for that address,
 * whatever the password (the right one too, so guessing learns nothing while
 * locked); and a name that failed very often from all addresses together is
 * locked for everyone. A stranger's guesses from their own address do not
 * lock the owner out.
 */
export class LoginThrottle {
  constructor(private readonly limiters: LoginThrottleLimiters) {}

  async login<T>(name: string, address: string, attempt: () => Promise<T>): Promise<T> {
    await this.admitAddress(address);
    const { failuresPerName: fromHere, failuresPerNameEverywhere: everywhere } = this.limiters;
    const pair = `${name}@${address}`;
    // Tokens are taken before the password is checked, so guesses sent in parallel cannot all slip in.
    const lockedMs = (await fromHere?.take(pair)) ?? 0;
    if (lockedMs > 0) {
      throw new ChatError("rate_limited", `Too many failed logins for '${name}': try again in ${seconds(lockedMs)}.`, lockedMs);
    }
    const everywhereMs = (await everywhere?.take(name)) ?? 0;
    if (everywhereMs > 0) {
      throw new ChatError(
        "rate_limited",
        `Too many failed logins for '${name}' from many addresses: try again in ${seconds(everywhereMs)}.`,
        everywhereMs,
      );
    }
    const result = await attempt();
    await Promise.all([fromHere?.reset(pair), everywhere?.reset(name)]);
    return result;
  }

  async register<T>(address: string, attempt: () => Promise<T>): Promise<T> {
    await this.admitAddress(address);
    return attempt();
  }

  private async admitAddress(address: string): Promise<void> {
    const waitMs = (await this.limiters.attemptsPerAddress?.take(address)) ?? 0;
    if (waitMs > 0) {
      throw new ChatError("rate_limited", `Too many login and register attempts from your address: try again in ${seconds(waitMs)}.`, waitMs);
    }
  }
}
