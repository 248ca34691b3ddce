import type { ContactState, MessageFrame } from "../../protocol/index.ts";

/**
 * The first direct message of someone the user does not count as a contact gets one line saying so, with
 * the choices: accept (they become a contact), block, or ignore. The contacts are read once at start and
 * kept in step by the server's `contact` frames.
 */
export class StrangerNotices {
  private readonly contacts = new Set<string>();
  private readonly noted = new Set<string>();
  private loaded = false;

  constructor(
    private readonly me: string,
    private readonly print: (line: string) => void,
  ) {}

  /** The user's contacts and blocked people, from `GET /api/contacts`. */
  load(list: { contacts: Array<{ name: string }>; blocked: string[] }): void {
    for (const contact of list.contacts) this.contacts.add(contact.name);
    for (const name of list.blocked) this.contacts.add(name); // nothing of theirs arrives; no line needed
    this.loaded = true;
  }

  changed(user: string, state: ContactState): void {
    if (state === "none") this.contacts.delete(user);
    else this.contacts.add(user);
  }

  message(frame: MessageFrame): void {
    const from = frame.from;
    if (!this.loaded || frame.to !== this.me || from === this.me || this.contacts.has(from) || this.noted.has(from)) return;
    this.noted.add(from);
    this.print(`${from} is not in your contacts: /accept ${from} to share presence, typing and receipts, /block ${from}, or ignore it.`);
  }
}
