import { EventEmitter } from "node:events";
import { PassThrough } from "node:stream";
import { StringDecoder } from "node:string_decoder";

/** Stands for a line break of a paste on the input line; `pastedText` turns it back into one when the line is sent. */
export const PASTED_LINE_BREAK = "⏎";

const PASTE_START = "\x1b[200~";
const PASTE_END = "\x1b[201~";
const FOCUS_IN = "\x1b[I";
const FOCUS_OUT = "\x1b[O";
const OUTSIDE_PASTE = [PASTE_START, FOCUS_IN, FOCUS_OUT];
const INSIDE_PASTE = [PASTE_END];
/** xterm's modes: bracketed paste (2004), focus reporting (1004). */
const MODES_ON = "\x1b[?2004h\x1b[?1004h";
const MODES_OFF = "\x1b[?2004l\x1b[?1004l";
/** A possible start of a marker left at the end of a read is let through after this, if nothing completes it (a lone Escape). */
const HOLD_MS = 30;

export type InputPiece = { kind: "keys"; text: string } | { kind: "focus"; focused: boolean };

/**
 * Splits what the terminal sends into keys for the line editor and focus reports. A bracketed paste
 * becomes text on the input line: its line breaks are shown as ⏎, so that the paste is one message
 * sent when the person presses Enter, never a line each; its tabs become spaces and its other control
 * characters are dropped (a pasted tab would complete a name, a pasted Ctrl-C would quit).
 */
export class TerminalInputParser {
  private pending = "";
  private pasting = false;

  feed(text: string): InputPiece[] {
    const pieces: InputPiece[] = [];
    let rest = this.pending + text;
    this.pending = "";
    while (rest !== "") {
      const markers = this.pasting ? INSIDE_PASTE : OUTSIDE_PASTE;
      const found = firstMarker(rest, markers);
      if (!found) {
        const held = partialMarkerAtEnd(rest, markers);
        this.keys(pieces, rest.slice(0, rest.length - held));
        this.pending = rest.slice(rest.length - held);
        break;
      }
      this.keys(pieces, rest.slice(0, found.at));
      rest = rest.slice(found.at + found.marker.length);
      if (found.marker === PASTE_START) this.pasting = true;
      else if (found.marker === PASTE_END) this.pasting = false;
      else pieces.push({ kind: "focus", focused: found.marker === FOCUS_IN });
    }
    return pieces;
  }

  /** Whether the end of the last read was held back as a possible start of a marker. */
  get holding(): boolean {
    return this.pending !== "";
  }

  /** Lets through what was held back: nothing came to complete it. */
  flush(): InputPiece[] {
    const pieces: InputPiece[] = [];
    this.keys(pieces, this.pending);
    this.pending = "";
    return pieces;
  }

  private keys(pieces: InputPiece[], text: string): void {
    const keys = this.pasting ? pasteAsLine(text) : text;
    if (keys !== "") pieces.push({ kind: "keys", text: keys });
  }
}

/** The text of a line typed or pasted, with a paste's line breaks back in it. */
export function pastedText(line: string): string {
  return line.replaceAll(PASTED_LINE_BREAK, "\n");
}

function pasteAsLine(text: string): string {
  return text.replace(/\r\n|\r|\n/g, PASTED_LINE_BREAK).replace(/\t/g, "    ").replace(/[\x00-\x1f\x7f]/g, "");
}

function firstMarker(text: string, markers: string[]): { at: number; marker: string } | undefined {
  let found: { at: number; marker: string } | undefined;
  for (const marker of markers) {
    const at = text.indexOf(marker);
    if (at >= 0 && (!found || at < found.at)) found = { at, marker };
  }
  return found;
}

/** How many characters at the end of `text` could be the start of one of the markers. */
function partialMarkerAtEnd(text: string, markers: string[]): number {
  for (let length = Math.min(text.length, Math.max(...markers.map((marker) => marker.length)) - 1); length > 0; length--) {
    const tail = text.slice(text.length - length);
    if (markers.some((marker) => marker.startsWith(tail))) return length;
  }
  return 0;
}

/** The filtered input a line editor reads: raw mode is the terminal's, as if it were the terminal itself. */
export type FilteredInput = PassThrough & { isTTY: true; isRaw: boolean; setRawMode(mode: boolean): FilteredInput };

/**
 * The terminal's input for the chat screen: asks the terminal for bracketed paste and focus reports
 * (unless it is a dumb one), hands the line editor the keys through `input`, and emits `focus`.
 */
export class TerminalInput extends EventEmitter<{ focus: [focused: boolean] }> {
  readonly input: FilteredInput;
  private readonly parser = new TerminalInputParser();
  private readonly decoder = new StringDecoder("utf8");
  private holdTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly terminal: NodeJS.ReadStream,
    private readonly output: NodeJS.WriteStream,
    private readonly modes: boolean,
  ) {
    super();
    const input = new PassThrough() as FilteredInput;
    input.isTTY = true;
    input.isRaw = false;
    input.setRawMode = (mode) => {
      input.isRaw = mode;
      terminal.setRawMode?.(mode);
      return input;
    };
    this.input = input;
  }

  start(): void {
    this.terminal.on("data", this.read);
    this.terminal.resume();
    if (this.modes) {
      this.output.write(MODES_ON);
      // A terminal left in these modes would wrap the next program's pastes in markers.
      process.once("exit", this.modesOff);
    }
  }

  stop(): void {
    clearTimeout(this.holdTimer);
    this.terminal.off("data", this.read);
    this.terminal.pause();
    if (this.modes) {
      this.modesOff();
      process.off("exit", this.modesOff);
    }
  }

  private readonly modesOff = () => {
    this.output.write(MODES_OFF);
  };

  private readonly read = (chunk: Buffer | string) => {
    clearTimeout(this.holdTimer);
    this.deliver(this.parser.feed(typeof chunk === "string" ? chunk : this.decoder.write(chunk)));
    if (this.parser.holding) this.holdTimer = setTimeout(() => this.deliver(this.parser.flush()), HOLD_MS);
  };

  private deliver(pieces: InputPiece[]): void {
    for (const piece of pieces) {
      if (piece.kind === "keys") this.input.write(piece.text);
      else this.emit("focus", piece.focused);
    }
  }
}
