import { confirm, isCancel, log, password, spinner } from "@clack/prompts";
import { backoffDelay, DEFAULT_BACKOFF } from "../sdk/backoff.ts";
import { ServerUnreachableError } from "../sdk/errors.ts";
import { LoginFailed, type LoginPrompts, passwordProblem } from "./login.ts";
import type { ClientOptions } from "./options.ts";

/** The login screens in a terminal, drawn by clack. An unreachable server is retried until it answers or the user quits. */
export function terminalPrompts(options: ClientOptions): LoginPrompts {
  return {
    async askPassword(question) {
      const value = await password({
        message: question,
        // Checked here, before anything is sent: the server's rule in a sentence, and the question asked again.
        validate: (text) => (text ? passwordProblem(text) : "Type the password (or press Ctrl-C to quit)."),
      });
      if (isCancel(value)) throw new LoginFailed("Login cancelled.");
      return value;
    },

    async confirmRegistration(name) {
      const answer = await confirm({
        message: `There is no account named ${name} on ${options.server.display}. Create it with this password?`,
      });
      return answer === true;
    },

    say(line) {
      log.error(line);
    },

    async step(label, request) {
      // The spinner catches Ctrl-C while it turns; leaving is what the user asked for.
      const progress = spinner({ onCancel: () => process.exit(130) });
      progress.start(label);
      for (let attempt = 1; ; attempt++) {
        try {
          const result = await request();
          progress.stop(label);
          return result;
        } catch (error) {
          if (!(error instanceof ServerUnreachableError)) {
            progress.clear(); // the caller says what went wrong, or what happens next
            throw error;
          }
          const waitMs = backoffDelay(attempt, DEFAULT_BACKOFF);
          progress.message(`${error.message} Retrying in ${Math.ceil(waitMs / 1000)} s (Ctrl-C to quit).`);
          await Bun.sleep(waitMs);
          progress.message(label);
        }
      }
    },
  };
}
