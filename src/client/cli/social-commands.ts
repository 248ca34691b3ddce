import { z } from "zod";
import { GroupAdds, Name, type PrivacySettings, type PrivacyUpdate } from "../../protocol/index.ts";
import { argument, type Command } from "./command.ts";
import type { ContactPresence } from "../sdk/presence-book.ts";
import { formatTime } from "./format.ts";
import { presenceLine } from "./notices.ts";

/** The privacy switches as people name them, each turning into a change of the server's settings. */
const SWITCHES = {
  "last-seen": (on: boolean): z.input<typeof PrivacyUpdate> => ({ hideLastSeen: !on }),
  "read-receipts": (on: boolean): z.input<typeof PrivacyUpdate> => ({ readReceipts: on }),
};
const Switch = z.enum(Object.keys(SWITCHES) as [keyof typeof SWITCHES]);
const OnOff = z.enum(["on", "off"]);

/** Privacy switches and contacts' presence. */
export const SOCIAL_COMMANDS: Command[] = [
  {
    name: "privacy",
    usage: "/privacy [<setting> <value>]",
    summary: "show your privacy settings; last-seen or read-receipts on|off; group-adds everyone|contacts|nobody",
    async run(context, [switchText, valueText]) {
      if (switchText === undefined) {
        context.print(privacyLine(await context.api.privacy(context.token)));
        return "continue";
      }
      if (switchText === "group-adds") {
        const groupAdds = argument(GroupAdds, valueText, "everyone, contacts or nobody");
        context.print(privacyLine(await context.api.setPrivacy(context.token, { groupAdds })));
        return "continue";
      }
      const change = SWITCHES[argument(Switch, switchText, "a setting: last-seen, read-receipts or group-adds")];
      const on = argument(OnOff, valueText, "on or off") === "on";
      context.print(privacyLine(await context.api.setPrivacy(context.token, change(on))));
      return "continue";
    },
  },
  {
    name: "who",
    usage: "/who [name]",
    summary: "whether a contact is online, or when last seen; without a name: all contacts",
    async run(context, [nameText]) {
      const name = nameText === undefined ? undefined : argument(Name, nameText, "a user name");
      // While this client is offline, nobody's coming or going reaches it: say what the answer is worth.
      const offlineSince = context.offlineSince?.();
      if (offlineSince !== undefined) context.print(context.style.warn(`This client has been offline since ${formatTime(offlineSince)}; this is how things stood then.`));
      const line = (contact: ContactPresence) => presenceLine(contact, Date.now(), offlineSince);
      if (name === undefined) {
        const contacts = context.presence.all();
        if (contacts.length === 0) context.print("No contacts yet: someone becomes one once you have both written to each other (or added each other).");
        for (const contact of contacts) context.print(line(contact));
        return "continue";
      }
      const contact = context.presence.of(name);
      context.print(contact ? line(contact) : `No presence for ${name}: it is shown only between contacts (people who wrote to each other, or added each other).`);
      return "continue";
    },
  },
];

/** `Privacy: last seen on, read receipts on, group adds from everyone` */
export function privacyLine(settings: PrivacySettings): string {
  const onOff = (on: boolean) => (on ? "on" : "off");
  return `Privacy: last seen ${onOff(!settings.hideLastSeen)}, read receipts ${onOff(settings.readReceipts)}, group adds from ${settings.groupAdds}`;
}
