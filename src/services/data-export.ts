import type { DataExport } from "../protocol/index.ts";
import type { Store } from "../store/store.ts";
import type { Actor } from "./accounts.ts";
import { addressIn, conversationAddress, eventFrame } from "./event-frames.ts";

/** Events read from the store at a time: an export of a long history never holds more than this page of it. */
const EXPORT_PAGE = 500;

/**
 * The actor's data as the text of one JSON document (a DataExport), in pieces: the account, settings,
 * devices and groups first, then each conversation's messages and notices, a page at a time, from where
 * the actor joined; what they deleted for themselves is left out.
 */
export async function* exportData(store: Store, actor: Actor, now: number): AsyncGenerator<string> {
  const [settings, devices, memberships] = await Promise.all([store.privacyOf(actor.userId), store.devicesOf(actor.userId), store.membershipsOf(actor.userId)]);
  const groups: DataExport["groups"] = [];
  for (const membership of memberships.filter((candidate) => candidate.kind === "group")) {
    const members = await store.groupMembers(membership.conv);
    const role = members.find((member) => member.userId === actor.userId)?.role ?? "member";
    groups.push({ name: membership.title, role, members: members.map((member) => member.name) });
  }
  const head: Omit<DataExport, "conversations"> = {
    exportedAt: now,
    user: actor.name,
    settings,
    devices: devices.map((device) => ({ id: device.id, name: device.name, createdAt: device.createdAt, lastActive: device.lastActive, current: device.id === actor.deviceId })),
    groups,
  };
  yield `${JSON.stringify(head).slice(0, -1)},"conversations":[`;
  for (const [index, membership] of memberships.entries()) {
    yield `${index === 0 ? "" : ","}{"with":${JSON.stringify(conversationAddress(membership))},"kind":"${membership.kind}","messages":[`;
    let after = membership.joinedSeq;
    let first = true;
    for (;;) {
      const page = await store.eventsAfter(membership.conv, after, EXPORT_PAGE, actor.userId);
      const frames = page
        .filter((event) => (event.body.kind === "message" || event.body.kind === "notice") && !event.hidden)
        .map((event) => JSON.stringify(eventFrame(event, addressIn(membership, event.sender, actor.name))));
      if (frames.length > 0) yield `${first ? "" : ","}${frames.join(",")}`;
      first &&= frames.length === 0;
      if (page.length < EXPORT_PAGE) break;
      after = page.at(-1)!.seq;
    }
    yield "]}";
  }
  yield "]}";
}
