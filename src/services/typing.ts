import { ChatError, isGroupAddress, type TypingNoticeFrame } from "../protocol/index.ts";
import { groupTopic, userTopic } from "../domain/delivery.ts";
import type { Store } from "../store/store.ts";
import type { Actor } from "./accounts.ts";
import type { Contacts } from "./contacts.ts";
import type { Directory } from "./directory.ts";
import type { Fanout } from "./fanout.ts";
import type { z } from "zod";

/** Relays "typing" to the other side (a contact, or a group). Never stored: receivers let it expire on their own. */
export class Typing {
  constructor(
    private readonly store: Store,
    private readonly directory: Directory,
    private readonly fanout: Fanout,
    private readonly contacts: Pick<Contacts, "areContacts">,
  ) {}

  async typing(actor: Actor, to: string): Promise<void> {
    const frame: z.infer<typeof TypingNoticeFrame> = { type: "typing", from: actor.name, to };
    if (!isGroupAddress(to)) {
      const recipient = await this.directory.user(to);
      // Only between contacts: a stranger's typing reaches nobody, and the stranger cannot tell.
      // A store that cannot say (down) drops the notice: typing is never worth an error.
      if (await this.contacts.areContacts(actor.userId, recipient.id).catch(() => false)) this.fanout.publish(userTopic(recipient.id), JSON.stringify(frame));
      return;
    }
    const group = await this.store.groupByName(to.slice(1));
    if (!group || !(await this.store.membership(actor.userId, group.conv))) {
      throw new ChatError("not_member", `You are not in a group named '${to.slice(1)}'.`);
    }
    this.fanout.publish(groupTopic(group.conv), JSON.stringify(frame), actor.deviceId);
  }
}
