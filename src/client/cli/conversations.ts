import { isGroupAddress } from "../../protocol/index.ts";
import { draftDestination, type InputLine, type OpenConversation, parseInputLine } from "./input.ts";

/** Where the names this device knows come from: its conversations' titles and the contacts whose presence it hears. */
export interface NameSources {
  titles(): Iterable<string>;
  contacts(): Iterable<string>;
}

/**
 * The conversations of this session, for the prompt and the keyboard: the open one (plain lines
 * go there), a numbered list (/1…/9, Alt+1…9) in the order conversations became active, and the
 * names this device knows, for routing a line, completing a name and sending typing notices.
 */
export class Conversations {
  private openName: string | undefined;
  private readonly numbered: string[] = [];
  /** When each conversation last had a message, this session: the most recent come first in completion. */
  private readonly activeAt = new Map<string, number>();
  private activity = 0;

  constructor(private readonly sources: NameSources) {}

  /** The conversation plain lines go to, if one is open. */
  get current(): string | undefined {
    return this.openName;
  }

  /** Opens a conversation (a user or `#group`); returns its number in the list. */
  open(name: string): number {
    this.openName = name;
    return this.note(name);
  }

  /** Closes the open conversation; returns the one that was open. */
  close(): string | undefined {
    const closed = this.openName;
    this.openName = undefined;
    return closed;
  }

  /** The conversation with this number in the list (1 is the first). */
  byNumber(number: number): string | undefined {
    return this.numbered[number - 1];
  }

  list(): Array<{ number: number; name: string }> {
    return this.numbered.map((name, index) => ({ number: index + 1, name }));
  }

  /** Conversations from before this session, newest first: they start the list, and completion in that order. */
  recent(names: string[]): void {
    for (const name of names) this.note(name);
    for (const name of [...names].reverse()) this.activeAt.set(name, ++this.activity);
  }

  /** A message went to or came from `name`: it joins the list if new, and comes first in completion. */
  active(name: string): void {
    this.note(name);
    this.activeAt.set(name, ++this.activity);
  }

  /** Where an entered line goes: to the open conversation, or to the name it starts with (see `parseInputLine`). */
  route(line: string): InputLine {
    return parseInputLine(line, this.opened());
  }

  /** Whom a line being typed tells that the user is typing: the name it goes to, once it has text, if this device knows it. */
  typingTo(line: string): string | undefined {
    const input = this.route(line);
    return input.kind === "message" && this.isKnown(input.to) ? input.to : undefined;
  }

  /** Where the prompt says a line being typed goes: undefined with no conversation open. */
  promptTarget(line: string): string | undefined {
    const open = this.opened();
    return open && draftDestination(line, open);
  }

  /** Whether this device knows the name: a conversation it has, a contact, or one of this session's list. */
  isKnown(name: string): boolean {
    return this.known().has(name);
  }

  /**
   * Every known name for completion: people this session talked with (most recent first), then the
   * other people with a conversation here, then other contacts, each group last, all once.
   */
  names(): string[] {
    const known = this.known();
    const byActivity = (a: string, b: string) => (this.activeAt.get(b) ?? 0) - (this.activeAt.get(a) ?? 0) || a.localeCompare(b);
    const titles = new Set(this.sources.titles());
    const rank = (name: string) => (isGroupAddress(name) ? 3 : this.activeAt.has(name) ? 0 : titles.has(name) ? 1 : 2);
    return [...known].sort((a, b) => rank(a) - rank(b) || byActivity(a, b));
  }

  private opened(): OpenConversation | undefined {
    const current = this.openName;
    return current === undefined ? undefined : { current, isKnown: (name) => this.isKnown(name) };
  }

  private note(name: string): number {
    const index = this.numbered.indexOf(name);
    if (index >= 0) return index + 1;
    return this.numbered.push(name);
  }

  private known(): Set<string> {
    return new Set([...this.sources.titles(), ...this.sources.contacts(), ...this.numbered]);
  }
}
