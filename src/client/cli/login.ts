import { hostname } from "node:os";
import { ChatError, type Credentials, Password, type Session } from "../../protocol/index.ts";
import { ChatApi } from "../sdk/api.ts";
import type { DeviceState, SavedSession } from "../sdk/state-file.ts";
import type { ClientOptions } from "./options.ts";

/** A person who typed a wrong password may try this many times in all; a script's CHAT_PASSWORD gets one. */
export const PASSWORD_TRIES = 3;

/** How the login talks to the person: clack screens in a terminal, nothing at all in script mode. */
export interface LoginPrompts {
  /** Asks for a password with this question; undefined when nobody can be asked. Answers are checked with `passwordProblem`. */
  askPassword(question: string): Promise<string | undefined>;
  /** Whether to create the account `name`, which does not exist yet. */
  confirmRegistration(name: string): Promise<boolean>;
  /** Tells the person what went wrong before asking again (a wrong password, two passwords that differ). */
  say(line: string): void;
  /** Runs one request to the server (behind a spinner in a terminal, which also waits for an unreachable server). */
  step<T>(label: string, request: () => Promise<T>): Promise<T>;
}

/** Login was refused or abandoned; the message is the sentence to show. */
export class LoginFailed extends Error {
  override readonly name = "LoginFailed";
}

/** A sentence saying why `password` cannot be anyone's password (the server's rule), or undefined when it can. */
export function passwordProblem(password: string): string | undefined {
  const parsed = Password.safeParse(password);
  if (parsed.success) return undefined;
  const rule = parsed.error.issues[0]?.message ?? "that is not a valid password";
  return `${rule[0]!.toUpperCase()}${rule.slice(1)}.`;
}

/**
 * Returns this device's session: the saved one if there is one, otherwise logs in with the
 * password (registering a name that has no account yet) and saves the new session.
 * Network failures are thrown as `ServerUnreachableError` for the caller to handle.
 */
export async function obtainSession(options: ClientOptions, state: DeviceState, prompts: LoginPrompts): Promise<SavedSession> {
  if (state.data.session) return state.data.session;
  const api = new ChatApi(options.server, options.trust);
  const login = new Login(api, options, prompts);
  const session = await login.run();
  state.data.session = { token: session.token, deviceId: session.device.id, deviceName: session.device.name };
  state.save();
  return state.data.session;
}

/** One login conversation: the password (asked, or from CHAT_PASSWORD), up to three tries, and registration of a new name. */
class Login {
  private readonly where: string;
  private readonly device: string;

  constructor(
    private readonly api: ChatApi,
    private readonly options: ClientOptions,
    private readonly prompts: LoginPrompts,
  ) {
    this.where = options.server.display;
    this.device = options.deviceName ?? defaultDeviceName();
  }

  async run(): Promise<Session> {
    const { name, password: given } = this.options;
    if (given !== undefined) {
      const problem = passwordProblem(given);
      if (problem) throw new LoginFailed(`CHAT_PASSWORD cannot be the password of ${name}: ${problem} Nothing was sent.`);
    } else {
      // Nobody should type a password for a server that is not there: wait for it first.
      await this.prompts.step(`Connecting to ${this.where}`, () => this.api.reachable());
    }
    let password = given ?? (await this.ask(`Password for ${name} on ${this.where}`));
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.prompts.step(`Logging in as ${name} on ${this.where}`, () => this.api.login(this.credentials(password)));
      } catch (error) {
        if (!(error instanceof ChatError)) throw error;
        if (error.code === "unknown_user") return this.register(password);
        if (error.code !== "wrong_password") throw new LoginFailed(`Login failed: ${error.message}`);
        if (given !== undefined || attempt >= PASSWORD_TRIES) throw new LoginFailed(`Wrong password for ${name} on ${this.where}; nothing was sent.`);
        const left = PASSWORD_TRIES - attempt;
        this.prompts.say(`Wrong password for ${name}; ${left} ${left === 1 ? "try" : "tries"} left.`);
        password = await this.ask(`Password for ${name} on ${this.where}`);
      }
    }
  }

  private async register(password: string): Promise<Session> {
    const { name } = this.options;
    if (!(await this.prompts.confirmRegistration(name))) {
      throw new LoginFailed(`There is no account named ${name} on ${this.where}, and none was created.`);
    }
    // A typing mistake in a new password would lock the person out: a person types it twice (a script's is as given).
    if (this.options.password === undefined) password = await this.confirmed(password);
    try {
      return await this.prompts.step(`Registering ${name} on ${this.where}`, () => this.api.register(this.credentials(password)));
    } catch (error) {
      if (error instanceof ChatError) throw new LoginFailed(`Cannot register ${name}: ${error.message}`);
      throw error;
    }
  }

  /** The new password once typed the same twice; after three differing pairs, nothing is created. */
  private async confirmed(first: string): Promise<string> {
    const { name } = this.options;
    for (let attempt = 1; ; attempt++) {
      if ((await this.ask(`Type the password for ${name} again`)) === first) return first;
      if (attempt >= PASSWORD_TRIES) throw new LoginFailed(`The passwords did not match; no account named ${name} was created.`);
      this.prompts.say("The two passwords differ; choose the password again.");
      first = await this.ask(`New password for ${name}`);
    }
  }

  private async ask(question: string): Promise<string> {
    const answer = await this.prompts.askPassword(question);
    if (answer === undefined) {
      throw new LoginFailed(`No password for ${this.options.name}: set CHAT_PASSWORD, or start chat-client in a terminal to type it.`);
    }
    return answer;
  }

  private credentials(password: string): Credentials {
    return { name: this.options.name, password, device: this.device, ...(this.options.invite ? { invite: this.options.invite } : {}) };
  }
}

function defaultDeviceName(): string {
  return (hostname().trim() || "chat-client").slice(0, 64);
}
