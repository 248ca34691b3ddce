import type { Completer } from "node:readline";
import type { Command } from "./command.ts";

/** Parameters of a command's usage that take a user or group name, so Tab completes names there. */
const NAME_PARAMETER = /^[<[](name|user|member)[>\]]…?$/;

export interface Completion {
  /** The word being completed, as typed (the end of the line before the cursor). */
  word: string;
  /** What it could become, best first. */
  matches: string[];
}

/**
 * What Tab offers for the line up to the cursor: `/commands` for a first word starting with a slash,
 * names (`names`: contacts first, then `#groups`) for any other first word, for a command's name
 * parameters and within a message (to mention someone); nothing elsewhere.
 */
export function complete(line: string, names: readonly string[], commands: readonly Command[]): Completion {
  const words = line.split(/\s+/);
  const word = words.at(-1) ?? "";
  const startsWith = (candidate: string) => candidate.toLowerCase().startsWith(word.toLowerCase());
  if (words.length === 1 && word.startsWith("/")) {
    const first = [...new Set(commands.map((command) => `/${command.name.split(" ")[0]}`))];
    return { word, matches: first.filter(startsWith) };
  }
  if (words.length === 2 && words[0]?.startsWith("/")) {
    // A family of commands (`/group add`, `/group leave`…): the second word names one.
    const family = words[0].slice(1).toLowerCase();
    const subcommands = commands.map((command) => command.name.split(" ")).filter((name) => name.length > 1 && name[0] === family);
    if (subcommands.length > 0) return { word, matches: subcommands.map((name) => name[1]!).filter(startsWith) };
  }
  if (words[0]?.startsWith("/") && !takesName(words, commands)) return { word, matches: [] };
  return { word, matches: names.filter(startsWith) };
}

/** The longest start that every match shares. */
export function sharedStart(matches: readonly string[]): string {
  let shared = matches[0] ?? "";
  for (const match of matches) while (!match.startsWith(shared)) shared = shared.slice(0, -1);
  return shared;
}

/** Whether the last word of a command line stands where its usage has a name: `/history <name>`, `/group add <name> <user>`. */
function takesName(words: string[], commands: readonly Command[]): boolean {
  const typed = words.slice(0, -1).map((word, index) => (index === 0 ? word.slice(1).toLowerCase() : word.toLowerCase()));
  for (const command of commands) {
    const name = command.name.split(" ");
    if (!name.every((part, index) => typed[index] === part)) continue;
    const parameters = command.usage.split(" ").slice(name.length);
    const position = words.length - 1 - name.length;
    const parameter = parameters[Math.min(position, parameters.length - 1)];
    if (position >= 0 && parameter !== undefined && (position < parameters.length || parameter.endsWith("…")) && NAME_PARAMETER.test(parameter)) return true;
  }
  return false;
}

/**
 * The line editor's Tab: one match is completed with a space after it, several are completed as far as
 * they agree, and listed (through `list`, above the prompt) when they agree no further.
 */
export function tabCompleter(names: () => readonly string[], commands: readonly Command[], list: (matches: string[]) => void): Completer {
  return (line: string): [string[], string] => {
    const { word, matches } = complete(line, names(), commands);
    if (matches.length === 1) return [[`${matches[0]} `], word];
    const shared = sharedStart(matches);
    if (shared.length > word.length) return [[shared], word];
    if (matches.length > 1) list(matches);
    return [[], word];
  };
}
