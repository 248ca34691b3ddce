import { createWriteStream } from "node:fs";
import { resolve } from "node:path";
import { Writable } from "node:stream";
import { Password } from "../../protocol/index.ts";
import { type Command, type CommandContext, UsageError } from "./command.ts";

const OTHER_DEVICES = ["logout", "keep"] as const;

/** The account itself: its password, its deletion, and a copy of its data. */
export const SELF_SERVICE_COMMANDS: Command[] = [
  {
    name: "password",
    usage: "/password [logout|keep]",
    summary: "change your password (asks for the current and the new one); logout: also log your other devices out, keep: leave them in",
    async run(context, [choice]) {
      if (choice !== undefined && !(OTHER_DEVICES as readonly string[]).includes(choice)) throw new UsageError("Say logout or keep.");
      const currentPassword = await needed(context.secrets.currentPassword(), "the current password (script mode: CHAT_PASSWORD)");
      const newPassword = await needed(context.secrets.newPassword(), "a new password (script mode: CHAT_NEW_PASSWORD)");
      const checked = Password.safeParse(newPassword);
      if (!checked.success) throw new UsageError(`The new password is not valid: ${checked.error.issues[0]?.message}.`);
      const logOut = choice === undefined ? await needed(context.secrets.yesOrNo("Log your other devices out?"), "logout or keep") : choice === "logout";
      const { loggedOut } = await context.api.changePassword(context.token, { currentPassword, newPassword, logOutOtherDevices: logOut });
      const others = logOut ? `${loggedOut} other device${loggedOut === 1 ? " was" : "s were"} logged out` : "your other devices stay logged in";
      context.print(`Password changed; ${others}.`);
      return "continue";
    },
  },
  {
    name: "delete-account",
    usage: "/delete-account [your-name]",
    summary: "delete your account for good (asks for your password): your messages stay for the others as 'deleted account'",
    async run(context, [confirmation]) {
      if (confirmation !== undefined && confirmation !== context.me) throw new UsageError(`To confirm, give your own name, ${context.me}.`);
      const confirmed =
        confirmation !== undefined ||
        (await needed(context.secrets.yesOrNo(`Delete the account ${context.me} for good? Every device is logged out and the name is gone.`), "your name to confirm"));
      if (!confirmed) {
        context.print("Your account is kept.");
        return "continue";
      }
      const password = await needed(context.secrets.currentPassword(), "your password (script mode: CHAT_PASSWORD)");
      context.loggingOut.now = true;
      try {
        await context.api.deleteAccount(context.token, password);
      } catch (error) {
        context.loggingOut.now = false;
        throw error;
      }
      context.print(`The account ${context.me} is deleted; this device is logged out.`);
      return "logged-out";
    },
  },
  {
    name: "export",
    usage: "/export [path]",
    summary: "save your data (messages, groups, devices, settings) as a JSON file (default chat-export-<name>.json here)",
    async run(context, [path]) {
      const file = resolve(path ?? `chat-export-${context.me}.json`);
      await writeExport(context, file);
      context.print(`Saved your data to ${file}.`);
      return "continue";
    },
  },
];

/** Writes the export to `file` as it arrives, so a long history never sits in memory whole. */
async function writeExport(context: CommandContext, file: string): Promise<void> {
  const body = await context.api.exportData(context.token);
  await body.pipeTo(Writable.toWeb(createWriteStream(file)) as WritableStream<Uint8Array>);
}

async function needed<T>(answer: Promise<T | undefined>, what: string): Promise<T> {
  const value = await answer;
  if (value === undefined) throw new UsageError(`This needs ${what}.`);
  return value;
}
