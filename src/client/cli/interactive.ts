import { cancel, intro, outro } from "@clack/prompts";
import type { DeviceState, SavedSession } from "../sdk/state-file.ts";
import { chat } from "./chat-session.ts";
import { makeStyle } from "./format.ts";
import { LoginFailed, obtainSession } from "./login.ts";
import type { ClientOptions } from "./options.ts";
import { forgetSession } from "./session.ts";
import { terminalPrompts } from "./terminal-login.ts";

/** Standard input is a terminal: clack login screens, then the chat screen; a session ended elsewhere leads back to the login. */
export async function runInteractive(options: ClientOptions, state: DeviceState): Promise<number> {
  const style = makeStyle(options.color);
  for (;;) {
    let session: SavedSession;
    const needsLogin = state.data.session === null;
    if (needsLogin) intro(`chat · ${options.server.display}`);
    try {
      session = await obtainSession(options, state, terminalPrompts(options));
    } catch (error) {
      if (!(error instanceof LoginFailed)) throw error;
      cancel(error.message);
      return 1;
    }
    if (needsLogin) outro(`Logged in as ${state.data.user}.`);
    const outcome = await chat(options, state, session, style);
    if (outcome !== "quit") forgetSession(state);
    if (outcome !== "session-ended") return 0;
  }
}
