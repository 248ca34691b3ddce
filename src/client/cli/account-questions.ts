import { confirm, isCancel, password } from "@clack/prompts";
import type { AccountQuestions } from "./command.ts";
import { passwordProblem } from "./login.ts";
import type { ClientOptions } from "./options.ts";

/** Script mode cannot ask: the passwords come from CHAT_PASSWORD and CHAT_NEW_PASSWORD, a yes with the command. */
export function environmentQuestions(options: Pick<ClientOptions, "password" | "newPassword">): AccountQuestions {
  return {
    currentPassword: async () => options.password,
    newPassword: async () => options.newPassword,
    yesOrNo: async () => undefined,
  };
}

/**
 * The interactive client asks with clack prompts (passwords hidden as they are typed). The chat screen
 * gives up the terminal for the question (`release`) and takes it back after (`takeBack`).
 */
export function terminalQuestions(terminal: { release(): void; takeBack(): void }): AccountQuestions {
  const asking = async <T>(question: () => Promise<T | symbol>): Promise<T | undefined> => {
    terminal.release();
    try {
      const answer = await question();
      return isCancel(answer) ? undefined : (answer as T);
    } finally {
      terminal.takeBack();
    }
  };
  const secret = (message: string) => asking<string>(() => password({ message, validate: (text) => (text ? passwordProblem(text) : "Type the password (or press Ctrl-C to cancel).") }));
  return {
    currentPassword: () => secret("Your current password"),
    async newPassword() {
      const first = await secret("The new password");
      if (first === undefined) return undefined;
      const again = await asking<string>(() => password({ message: "The new password again", validate: (text) => (text === first ? undefined : "That is not the same password.") }));
      return again === undefined ? undefined : first;
    },
    yesOrNo: (message) => asking<boolean>(() => confirm({ message, initialValue: false })),
  };
}
