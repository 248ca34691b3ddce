import type { ConversationSwitch } from "./command.ts";
import type { ConversationContext, Shown } from "./conversation-context.ts";
import type { Conversations } from "./conversations.ts";

/** What opening a conversation shows and says on the chat screen. */
export interface SwitchScreen {
  /** The conversation's last messages. */
  showEarlier(shown: Shown): void;
  print(line: string): void;
  report(line: string): void;
  /** The open conversation changed: the prompt says so. */
  changed(): void;
}

/** /open, /close, /1…/9 and Alt+1…9 on the chat screen: the conversation's last messages, then its prompt. */
export class ScreenConversationSwitch implements ConversationSwitch {
  constructor(
    private readonly conversations: Conversations,
    private readonly context: ConversationContext,
    private readonly screen: SwitchScreen,
  ) {}

  get current(): string | undefined {
    return this.conversations.current;
  }

  async open(name: string): Promise<void> {
    // The history answers for the name first: a name nobody has is refused before the prompt changes.
    this.screen.showEarlier(await this.context.of(name));
    this.conversations.open(name);
    this.screen.print(`· Talking to ${name}: lines without a name go to ${name}; /close stops.`);
    this.screen.changed();
  }

  async openNumber(number: number): Promise<void> {
    const name = this.conversations.byNumber(number);
    if (name === undefined) return this.screen.report(`There is no conversation ${number}: /open lists them.`);
    await this.open(name);
  }

  close(): string | undefined {
    const closed = this.conversations.close();
    this.screen.changed();
    return closed;
  }

  list(): Array<{ number: number; name: string }> {
    return this.conversations.list();
  }
}
