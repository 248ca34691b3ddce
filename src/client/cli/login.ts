import { hostname } from "node:os";
import { ChatError, type Credentials, Password, type Session } from "../../protocol/index.ts";
import { ChatApi } from "../sdk/api.ts";
import type { DeviceState, SavedSession } from "../sdk/state-file.ts";
import type { ClientOptions } from "./options.ts";

/** How the login talks to the person: clack screens in a terminal, nothing at all in script mode. */
export interface LoginPrompts {
  /** Asks for the password; undefined when nobody can be asked or the person cancelled. */
  askPassword(name: string): Promise<string | undefined>;
  /** Whether to create the account `name`, which does not exist yet. */
  confirmRegistration(name: string): Promise<boolean>;
  /** Runs one request to the server (behind a spinner in a terminal). */
  step<T>(label: string, request: () => Promise<T>): Promise<T>;
}

/** Login was refused or abandoned; the message is the sentence to show. */
export class LoginFailed extends Error {
  override readonly name = "LoginFailed";
}

/**
 * Returns this device's session: the saved one if there is one, otherwise logs in with the
 * password (registering a name that has no account yet) and saves the new session.
 * Network failures are thrown as `ServerUnreachableError` for the caller to handle.
 */
export async function obtainSession(options: ClientOptions, state: DeviceState, prompts: LoginPrompts): Promise<SavedSession> {
  if (state.data.session) return state.data.session;
  const password = options.password ?? (await prompts.askPassword(options.name));
  if (password === undefined) {
    throw new LoginFailed(`No password for ${options.name}: set CHAT_PASSWORD, or start chat-client in a terminal to type it.`);
  }
  const credentials: Credentials = { name: options.name, password, device: options.deviceName ?? defaultDeviceName() };
  const api = new ChatApi(options.server, options.trust);
  const session = await logInOrRegister(api, credentials, options, prompts);
  state.data.session = { token: session.token, deviceId: session.device.id, deviceName: session.device.name };
  state.save();
  return state.data.session;
}

async function logInOrRegister(api: ChatApi, credentials: Credentials, options: ClientOptions, prompts: LoginPrompts): Promise<Session> {
  const where = options.server.display;
  try {
    return await prompts.step(`Logging in as ${credentials.name} on ${where}`, () => api.login(credentials));
  } catch (error) {
    if (!(error instanceof ChatError)) throw error;
    if (error.code === "wrong_password") throw new LoginFailed(`Wrong password for ${credentials.name} on ${where}; nothing was sent.`);
    if (error.code !== "unknown_user") throw new LoginFailed(`Login failed: ${error.message}`);
  }
  if (!(await prompts.confirmRegistration(credentials.name))) {
    throw new LoginFailed(`There is no account named ${credentials.name} on ${where}, and none was created.`);
  }
  const password = Password.safeParse(credentials.password);
  if (!password.success) throw new LoginFailed(`Cannot register ${credentials.name}: ${password.error.issues[0]?.message}.`);
  try {
    return await prompts.step(`Registering ${credentials.name} on ${where}`, () => api.register(credentials));
  } catch (error) {
    if (error instanceof ChatError) throw new LoginFailed(`Cannot register ${credentials.name}: ${error.message}`);
    throw error;
  }
}

function defaultDeviceName(): string {
  return (hostname().trim() || "chat-client").slice(0, 64);
}
