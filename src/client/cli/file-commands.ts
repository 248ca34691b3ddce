import { rename, rm, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, join, resolve } from "node:path";
import { formatSize } from "../../domain/attachments.ts";
import { AttachmentId, ChatError, Recipient } from "../../protocol/index.ts";
import { uploadFile } from "../sdk/transfers.ts";
import { argument, type Command, type CommandContext, UsageError } from "./command.ts";
import { parseMessageRef } from "./message-book.ts";
import { refusable } from "./message-commands.ts";

/** Files below this size go up or down without a progress bar. */
const PROGRESS_FROM_BYTES = 1024 * 1024;
const BAR_WIDTH = 20;

/** Sending files and saving the ones received. */
export const FILE_COMMANDS: Command[] = [
  {
    name: "file",
    usage: "/file <name> <path> [caption…]",
    summary: "send a file to a user or #group, with an optional caption",
    async run(context, [who, path, ...words]) {
      const to = argument(Recipient, who, "a user or #group");
      if (path === undefined) throw new UsageError("Give the path of the file to send.");
      const fullPath = expandHome(path);
      const info = await stat(fullPath).catch(() => undefined);
      if (!info?.isFile()) throw new UsageError(`There is no file at '${path}'.`);
      const name = basename(fullPath);
      await refusable(context, `file ${name} to ${to}`, async () => {
        const attachment = await uploadFile(context.api, context.token, Bun.file(fullPath), {
          name,
          onProgress: progressBar(context, `upload ${fullPath}`, `Sending ${name}`, info.size),
        });
        context.messages.sendFile(to, attachment, words.join(" "));
      });
      return "continue";
    },
  },
  {
    name: "save",
    usage: "/save <message> [path]",
    summary: "save the file a message carries (its ^number or attachment id) and check its SHA-256",
    async run(context, [ref, path]) {
      const id = attachmentIdOf(context, ref);
      const response = await context.api.download(context.token, id);
      const expected = response.headers.get("etag")?.replaceAll('"', "");
      const name = fileNameOf(response.headers.get("content-disposition")) ?? id;
      const size = Number(response.headers.get("content-length") ?? 0);
      const target = await targetPath(path, name);
      const partial = `${target}.partial`;
      const hasher = new Bun.CryptoHasher("sha256");
      const writer = Bun.file(partial).writer();
      const progress = progressBar(context, `save ${target}`, `Saving ${name}`, size);
      let done = 0;
      try {
        for await (const chunk of response.body ?? []) {
          hasher.update(chunk);
          writer.write(chunk);
          await writer.flush();
          done += chunk.length;
          progress?.(done, size);
        }
        await writer.end();
        if (hasher.digest("hex") !== expected) {
          throw new ChatError("internal", `The bytes of ${name} that arrived do not match their SHA-256; nothing was saved. Try again.`);
        }
        await rename(partial, target);
      } catch (error) {
        await writer.end();
        await rm(partial, { force: true });
        throw error;
      }
      context.print(`Saved ${name} (${formatSize(done)}, SHA-256 checked) to ${target}.`);
      return "continue";
    },
  },
];

/** The attachment of `^12` (a message shown with a file) or an attachment id as script mode prints it. */
function attachmentIdOf(context: CommandContext, ref: string | undefined): string {
  if (ref === undefined) throw new UsageError(`Give the message with the file: ${context.book.shortRefs ? "its ^number, or " : ""}the attachment id.`);
  const message = parseMessageRef(ref) && context.book.find(ref);
  const id = (message && context.book.fileOf(message.id)) ?? ref;
  if (!AttachmentId.safeParse(id).success) throw new UsageError(`'${ref}' is no message with a file shown here, nor an attachment id.`);
  return id;
}

/** The exact name of `Content-Disposition`'s `filename*`, else its plain `filename`; only its last part, never a path. */
function fileNameOf(disposition: string | null): string | undefined {
  const exact = disposition?.match(/filename\*=UTF-8''([^;]+)/)?.[1];
  const plain = disposition?.match(/filename="([^"]*)"/)?.[1];
  const name = exact !== undefined ? decodeURIComponent(exact) : plain;
  const last = name === undefined ? undefined : basename(name.replaceAll("\\", "/"));
  return last === undefined || last === "" || last === "." || last === ".." ? undefined : last;
}

/** Where to save: the path given (into it, when it is a directory), or the file's own name here. Never over an existing file. */
async function targetPath(path: string | undefined, name: string): Promise<string> {
  let target = resolve(path === undefined ? name : expandHome(path));
  if ((await stat(target).catch(() => undefined))?.isDirectory()) target = join(target, name);
  if (await Bun.file(target).exists()) throw new UsageError(`${target} exists already; give another path.`);
  return target;
}

function expandHome(path: string): string {
  return path === "~" || path.startsWith("~/") ? join(homedir(), path.slice(1)) : path;
}

/** `Sending report.pdf ▕██████░░░░░░░░░░░░░░▏ 30% of 12.4 MB`, rewritten in place; none in script mode or for small files. */
function progressBar(context: CommandContext, key: string, what: string, total: number): ((done: number, total: number) => void) | undefined {
  const show = context.progress;
  if (!show || total < PROGRESS_FROM_BYTES) return undefined;
  let shown = -1;
  return (done) => {
    const percent = Math.floor((done / total) * 100);
    if (percent === shown) return;
    shown = percent;
    const filled = Math.round((percent / 100) * BAR_WIDTH);
    show(key, context.style.dim(`${what} ▕${"█".repeat(filled)}${"░".repeat(BAR_WIDTH - filled)}▏ ${percent}% of ${formatSize(total)}`));
  };
}
