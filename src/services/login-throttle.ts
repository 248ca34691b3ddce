import { ChatError } from "../protocol/index.ts";
import type { RateLimiter } from "./rate-limiter.ts";

/** Either may be left out, for no limit of that kind. */
export interface LoginThrottleLimiters {
  /** Login and register attempts from one client address, successful or not. */
  attemptsPerAddress?: RateLimiter | undefined;
  /** Logins of one account name, from anywhere; a success refills it, so in effect it counts failures. */
  failuresPerName?: RateLimiter | undefined;
}

function seconds(ms: number): string {
  const whole = Math.max(1, Math.ceil(ms / 1000));
  return whole === 1 ? "1 second" : `${whole} seconds`;
}

/**
 * Slows password guessing: one address may only try so often, and a name
 * that failed too often is locked for a while, whoever asks and whatever the
 * password (the right one too, so guessing learns nothing while locked).
 */
export class LoginThrottle {
  constructor(private readonly limiters: LoginThrottleLimiters) {}

  async login<T>(name: string, address: string, attempt: () => Promise<T>): Promise<T> {
    await this.admitAddress(address);
    const failures = this.limiters.failuresPerName;
    if (!failures) return attempt();
    // The token is taken before the password is checked, so guesses sent in parallel cannot all slip in.
    const lockedMs = await failures.take(name);
    if (lockedMs > 0) {
      throw new ChatError("rate_limited", `Too many failed logins for '${name}': try again in ${seconds(lockedMs)}.`, lockedMs);
    }
    const result = await attempt();
    await failures.reset(name);
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
