import { parseArgs } from "node:util";
import { Name } from "../../protocol/index.ts";
import { DEFAULT_SERVER, parseServerAddress, ServerAddressError, type ServerAddress } from "../sdk/address.ts";
import { configDirectory, stateDirectory } from "../sdk/state-file.ts";
import { type TlsTrust, trustCertificateFile, TrustFileError } from "../sdk/trust.ts";

export interface ClientOptions {
  name: string;
  server: ServerAddress;
  /** The certificate authorities for an https:// or wss:// server, when --ca or CHAT_CA_FILE adds one. */
  trust: TlsTrust | undefined;
  password: string | undefined;
  /** Script mode's `/password`: the new password (CHAT_NEW_PASSWORD). */
  newPassword?: string | undefined;
  deviceName: string | undefined;
  /** The invite code sent when registering (--invite or CHAT_INVITE). */
  invite?: string | undefined;
  receipts: boolean;
  /** Script mode: one JSON object per line on stdout instead of lines for people. */
  json: boolean;
  /** Where the session is kept: `$XDG_CONFIG_HOME/chat`. */
  configDir: string;
  /** Where cursors, titles and the outbox are kept: `$XDG_STATE_HOME/chat`. */
  stateDir: string;
  color: boolean;
  /** The terminal understands xterm's modes (bracketed paste, focus reports): any but a dumb one. */
  terminalModes: boolean;
}

export type CommandLine = { kind: "help" } | { kind: "version" } | { kind: "run"; options: ClientOptions } | { kind: "usage-error"; message: string };

export const USAGE = `Usage: chat-client <name> [options]

Logs in as <name> (registering the name the first time) and chats.
In a terminal: type "<recipient> <message>" to send (recipient: a user or #group), or /open <recipient> and
type lines without it; Tab completes names and commands; /help lists the commands.
With input from a pipe or file (script mode): each line "<recipient> <message>" is sent, slash commands run
(/reply, /edit, /delete, /react take the message's id), incoming messages are printed as "[sender]: text",
and the client exits once every message was acknowledged.

Options:
  --server URL    chat server: host:port, http(s)://host[:port] or ws(s)://host[:port]
                  (default: $CHAT_SERVER, else ${DEFAULT_SERVER})
  --ca FILE       for an https:// or wss:// server: also trust the certificate authority
                  (or self-signed certificate) in this PEM file (default: $CHAT_CA_FILE)
  --device NAME   a label for this device in the device list (default: the host name)
  --invite CODE   the invite code to register with, on a server that registers by invitation
                  (default: $CHAT_INVITE)
  --receipts      script mode: also print receipt lines on standard output:
                    receipt sent <to> <seq> <message-id>
                    receipt delivered <conversation> <seq> <by>
                    receipt read <conversation> <seq> <by>
  --json          script mode: print one JSON object per line on stdout instead, told apart by "type":
                    message, edit, delete, reaction, notice   each event of your conversations
                    sent     each of your messages and actions, once the server stored it (with its id)
                    hit      each result of /search
                    hidden   a message you deleted for yourself
                    output   a line of a command's result
                  problems stay one line each on stderr
  --version       print the version and the commit it was built from
  -h, --help      show this help

Environment:
  CHAT_SERVER       server address when --server is not given
  CHAT_CA_FILE      CA certificate file when --ca is not given
  CHAT_PASSWORD     password (otherwise asked for in a terminal; needed in script mode for the first login)
  CHAT_NEW_PASSWORD script mode's /password: the new password (CHAT_PASSWORD is the current one)
  CHAT_INVITE       invite code when --invite is not given (registering on a server with --registration invite)
  XDG_CONFIG_HOME   config directory base (default ~/.config); the session is kept in <base>/chat/
  XDG_STATE_HOME    state directory base (default ~/.local/state); cursors and unsent messages
                    are kept in <base>/chat/
  NO_COLOR          turn colours off

Exit status: 0 on success; 1 if login fails, the server cannot be reached or its certificate is not
trusted, a message or action was refused (script mode), or sent messages were not acknowledged in time
(they stay queued for the next run); 2 for a usage error or a --ca file that cannot be read.`;

/** Reads the command line and environment once; a bad value is a usage error with a sentence naming it. */
export function parseCommandLine(argv: string[], env: Record<string, string | undefined>, isTerminal: boolean): CommandLine {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        server: { type: "string" },
        ca: { type: "string" },
        device: { type: "string" },
        invite: { type: "string" },
        receipts: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
        version: { type: "boolean", default: false },
      },
    });
  } catch (error) {
    return { kind: "usage-error", message: `${(error as Error).message.replace(/\.$/, "")}. See --help.` };
  }
  if (parsed.values.help) return { kind: "help" };
  if (parsed.values.version) return { kind: "version" };
  if (parsed.positionals.length !== 1) {
    return { kind: "usage-error", message: "Give exactly one name to log in as, e.g. `chat-client alice`. See --help." };
  }
  const name = Name.safeParse(parsed.positionals[0]);
  if (!name.success) return { kind: "usage-error", message: `The name '${parsed.positionals[0]}' is not valid: ${name.error.issues[0]?.message}.` };

  const serverText = parsed.values.server ?? env.CHAT_SERVER ?? DEFAULT_SERVER;
  let server: ServerAddress;
  try {
    server = parseServerAddress(serverText);
  } catch (error) {
    if (!(error instanceof ServerAddressError)) throw error;
    const source = parsed.values.server !== undefined ? "--server" : env.CHAT_SERVER !== undefined ? "CHAT_SERVER" : "default";
    return { kind: "usage-error", message: `${source}: ${error.message}` };
  }
  const trust = readTrust(parsed.values.ca, env.CHAT_CA_FILE);
  if (typeof trust === "string") return { kind: "usage-error", message: trust };
  if (parsed.values.json && isTerminal) {
    return { kind: "usage-error", message: "--json is for script mode: give the input from a pipe or a file." };
  }
  const deviceName = parsed.values.device?.trim();
  if (deviceName !== undefined && (deviceName.length === 0 || deviceName.length > 64)) {
    return { kind: "usage-error", message: "--device: a device label has 1 to 64 characters." };
  }

  return {
    kind: "run",
    options: {
      name: name.data,
      server,
      trust,
      password: env.CHAT_PASSWORD || undefined,
      newPassword: env.CHAT_NEW_PASSWORD || undefined,
      deviceName,
      invite: (parsed.values.invite ?? env.CHAT_INVITE)?.trim() || undefined,
      receipts: parsed.values.receipts,
      json: parsed.values.json,
      configDir: configDirectory(env),
      stateDir: stateDirectory(env),
      color: isTerminal && !env.NO_COLOR && env.TERM !== "dumb",
      terminalModes: isTerminal && env.TERM !== "dumb",
    },
  };
}

/** The trust store with the CA file from --ca (or CHAT_CA_FILE) added; a sentence naming the option if the file is no good. */
function readTrust(flag: string | undefined, variable: string | undefined): TlsTrust | undefined | string {
  const source = flag !== undefined ? "--ca" : "CHAT_CA_FILE";
  const path = flag ?? (variable || undefined);
  if (path === undefined) return undefined;
  if (path.trim() === "") return `${source}: give the path of a PEM file with the certificate to trust.`;
  try {
    return trustCertificateFile(path);
  } catch (error) {
    if (!(error instanceof TrustFileError)) throw error;
    return `${source}: ${error.message}`;
  }
}
