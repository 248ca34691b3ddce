import * as readline from "node:readline";

/** A block of output the screen may still rewrite in place (ticks after one's own messages). */
interface PrintedBlock {
  key: string | undefined;
  rows: number;
}

const REMEMBERED_BLOCKS = 200;

/**
 * The chat screen: a `node:readline` line editor with a `> ` prompt at the bottom, and
 * output printed above it without disturbing what the user is typing. Lines printed
 * with a key can be rewritten later while they are still on screen.
 */
export class PromptScreen {
  private readonly lineEditor: readline.Interface;
  private blocks: PrintedBlock[] = [];
  private promptText = "> ";

  constructor(
    input: NodeJS.ReadableStream,
    private readonly output: NodeJS.WriteStream,
    completer?: readline.Completer,
  ) {
    this.lineEditor = readline.createInterface({ input, output, prompt: this.promptText, terminal: true, historySize: 200, ...(completer && { completer }) });
    // After a resize the terminal rewraps old lines, so their row counts are no longer known.
    output.on("resize", this.forgetBlocks);
  }

  get editor(): readline.Interface {
    return this.lineEditor;
  }

  /** What the user has typed so far on the current line. */
  get currentLine(): string {
    return this.lineEditor.line;
  }

  start(): void {
    this.lineEditor.prompt();
  }

  /** Prints a line above the prompt; the line being typed is redrawn below it as it was. */
  print(text: string, key?: string): void {
    this.clearInputArea();
    this.output.write(`${text}\n`);
    this.remember(key, text);
    this.redrawInput();
  }

  /**
   * Replaces the copy of the line the user just entered (readline leaves it on screen)
   * with `text`, e.g. the sent message with its tick. Call it from the `line` handler.
   */
  replaceEnteredLine(entered: string, text: string, key?: string): void {
    const rows = this.rowsOf(this.lineEditor.getPrompt() + entered);
    readline.moveCursor(this.output, 0, -rows);
    this.print(text, key);
  }

  /** Leaves the copy of the line the user just entered on screen (a command), counting its rows. */
  keepEnteredLine(entered: string): void {
    this.remember(undefined, this.lineEditor.getPrompt() + entered);
  }

  /** Takes the prompt and the unfinished line off the screen while a question has the terminal; `refresh` brings them back. */
  clear(): void {
    this.clearInputArea();
  }

  /** Draws the prompt again, e.g. after a line was entered and nothing else was printed. */
  refresh(): void {
    this.clearInputArea();
    this.redrawInput();
  }

  /** Rewrites the block printed with `key` if it is still on screen and keeps its height; false otherwise. */
  update(key: string, text: string): boolean {
    const index = this.blocks.findLastIndex((block) => block.key === key);
    const block = this.blocks[index];
    if (!block || this.rowsOf(text) !== block.rows) return false;
    const rowsBelow = this.blocks.slice(index + 1).reduce((sum, later) => sum + later.rows, 0);
    const inputRows = this.lineEditor.getCursorPos().rows;
    const screenRows = this.output.rows || 24;
    if (rowsBelow + block.rows + inputRows + 1 > screenRows) return false;

    this.clearInputArea();
    readline.moveCursor(this.output, 0, -(rowsBelow + block.rows));
    for (let row = 0; row < block.rows; row++) {
      readline.clearLine(this.output, 0);
      if (row < block.rows - 1) readline.moveCursor(this.output, 0, 1);
    }
    readline.moveCursor(this.output, 0, -(block.rows - 1));
    readline.cursorTo(this.output, 0);
    this.output.write(text);
    readline.cursorTo(this.output, 0);
    readline.moveCursor(this.output, 0, rowsBelow + 1);
    this.redrawInput();
    return true;
  }

  /** The prompt, with what it says before `> ` (`[offline · retrying in 4 s] bob> `). */
  setPrompt(prompt: string): void {
    if (prompt === this.promptText) return;
    this.promptText = prompt;
    this.clearInputArea();
    this.lineEditor.setPrompt(prompt);
    this.redrawInput();
  }

  /** Removes the prompt and the unfinished line, so what comes next starts on a clean line. */
  close(): void {
    this.output.off("resize", this.forgetBlocks);
    this.clearInputArea();
    this.lineEditor.close();
  }

  /** Moves to the first row of the prompt and clears it and everything below. */
  private clearInputArea(): void {
    readline.moveCursor(this.output, 0, -this.lineEditor.getCursorPos().rows);
    readline.cursorTo(this.output, 0);
    readline.clearScreenDown(this.output);
  }

  /**
   * Draws the prompt and the typed line again at the cursor. readline would first move up
   * by the rows it last drew (`prevRows`), but the cursor is already at the prompt's first row.
   */
  private redrawInput(): void {
    (this.lineEditor as unknown as { prevRows: number }).prevRows = 0;
    this.lineEditor.prompt(true);
  }

  private remember(key: string | undefined, text: string): void {
    this.blocks.push({ key, rows: this.rowsOf(text) });
    if (this.blocks.length > REMEMBERED_BLOCKS) this.blocks = this.blocks.slice(-REMEMBERED_BLOCKS);
  }

  private readonly forgetBlocks = () => {
    this.blocks = [];
  };

  private rowsOf(text: string): number {
    const columns = this.output.columns || 80;
    return Math.max(1, Math.ceil(Bun.stringWidth(text) / columns));
  }
}
