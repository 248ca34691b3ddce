import { isGroupAddress, MessageId, type StreamEvent } from "../../protocol/index.ts";
import { BoundedMap } from "./bounded-map.ts";
import { UsageError } from "./command.ts";

/** How many messages a run remembers: enough for a screenful of scrollback, bounded for long runs. */
const REMEMBERED = 1_000;

/** A message a command acts on: its id, and its conversation (the other user or the `#group`) when this run saw it. */
export interface MessageTarget {
  id: string;
  to?: string;
}

/** What a person typed to name a message: `^12` or `12` (a short reference), `^<id>` or `<id>`. */
export interface MessageRef {
  id: string;
  /** The number, when the text could be a short reference. */
  short?: number;
  /** Written with `^`: meant as a reference, not an id. */
  caret: boolean;
}

export function parseMessageRef(text: string): MessageRef | undefined {
  const caret = text.startsWith("^");
  const id = caret ? text.slice(1) : text;
  if (!MessageId.safeParse(id).success) return undefined;
  return /^[0-9]{1,9}$/.test(id) ? { id, short: Number(id), caret } : { id, caret };
}

/** The conversation of an event as this user names it: the `#group`, or the other person. */
export function conversationOf(event: { from: string; to: string }, me: string): string {
  if (isGroupAddress(event.to) || event.from === me) return event.to;
  return event.from;
}

/**
 * The messages this run has seen, so that commands can name them briefly. Every message's
 * conversation is remembered (an edit or reply then goes to the right one without asking the
 * server); in the interactive client shown messages also get a short reference, `^12`, that
 * stays the same when the message is shown again. Script mode names messages by id: `^<id>`.
 */
export class MessageBook {
  private nextRef = 1;
  private readonly known = new BoundedMap<string, { to: string; ref?: number }>(REMEMBERED);
  private readonly byRef = new BoundedMap<number, string>(REMEMBERED);
  /** The attachment id of each message seen with a file, for `/save ^12`. */
  private readonly files = new BoundedMap<string, string>(REMEMBERED);

  constructor(readonly shortRefs: boolean) {}

  /** Remembers the conversation of a message seen this run. */
  note(id: string, to: string): void {
    this.known.set(id, { ...this.known.get(id), to });
  }

  /** Remembers the conversation of the message an event is, or is about. */
  noteEvent(event: StreamEvent, me: string): void {
    if (event.type === "message") {
      this.note(event.id, conversationOf(event, me));
      if (event.attachment) this.files.set(event.id, event.attachment.id);
    }
    else if (event.type !== "notice") this.note(event.target, conversationOf(event, me));
  }

  /** Remembers a message being shown and returns its label: `^12` (interactive) or `^<id>`. */
  refer(id: string, to: string): string {
    if (!this.shortRefs) {
      this.note(id, to);
      return this.label(id);
    }
    const ref = this.known.get(id)?.ref ?? this.nextRef++;
    this.known.set(id, { to, ref });
    this.byRef.set(ref, id);
    return `^${ref}`;
  }

  /** How output names a message: its reference or id, or "an earlier message" when it has no reference. */
  label(id: string): string {
    if (!this.shortRefs) return `^${id}`;
    const ref = this.known.get(id)?.ref;
    return ref === undefined ? "an earlier message" : `^${ref}`;
  }

  /** The attachment id of the file a message seen this run carries. */
  fileOf(id: string): string | undefined {
    return this.files.get(id);
  }

  /** The conversation of a message, if this run saw it. */
  conversationOf(id: string): string | undefined {
    return this.known.get(id)?.to;
  }

  /** The message named by `^12`, `12`, `^<id>` or `<id>`; a `UsageError` when the text names none. */
  find(text: string): MessageTarget {
    const ref = parseMessageRef(text);
    if (!ref) {
      throw new UsageError(`'${text}' is not a message: give ${this.shortRefs ? "the ^number shown after it, or its id" : "its id"}.`);
    }
    const byRef = this.shortRefs && ref.short !== undefined ? this.byRef.get(ref.short) : undefined;
    if (this.shortRefs && ref.caret && ref.short !== undefined && byRef === undefined) {
      throw new UsageError(`^${ref.short} is not a message shown in this session.`);
    }
    const id = byRef ?? ref.id;
    const to = this.conversationOf(id);
    return to === undefined ? { id } : { id, to };
  }
}
