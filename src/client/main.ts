import { runInteractive } from "./cli/interactive.ts";
import { parseCommandLine, USAGE } from "./cli/options.ts";
import { runScript } from "./cli/script.ts";
import { clientFiles, DeviceState, lockClientFiles, StateFileError } from "./sdk/index.ts";
import { versionLine } from "../version.ts";

/** `chat-client <name>`: the interactive client in a terminal, script mode when standard input is a pipe or file. */
async function main(): Promise<number> {
  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const commandLine = parseCommandLine(process.argv.slice(2), process.env, interactive);
  if (commandLine.kind === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (commandLine.kind === "version") {
    process.stdout.write(`${versionLine("chat-client")}\n`);
    return 0;
  }
  if (commandLine.kind === "usage-error") {
    process.stderr.write(`${commandLine.message}\n`);
    return 2;
  }
  const { options } = commandLine;
  const files = clientFiles(options.configDir, options.stateDir, options.server, options.name);
  let state: DeviceState;
  try {
    process.once("exit", lockClientFiles(files));
    state = DeviceState.open(files, options.server, options.name);
  } catch (error) {
    if (!(error instanceof StateFileError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
  return interactive ? runInteractive(options, state) : runScript(options, state);
}

/** Output written to a pipe may still be queued; exiting before it drains would cut it off. */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write("", () => resolve()));
}

// Leaving through process.exit also ends the pending read of standard input.
main().then(async (status) => {
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  process.exit(status);
});
