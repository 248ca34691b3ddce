import type { Hono } from "hono";
import { ROUTES } from "../protocol/index.ts";
import type { Contacts } from "../services/contacts.ts";
import type { Groups } from "../services/groups.ts";
import type { Env } from "./http.ts";
import { handle } from "./route-table.ts";

/** Contacts, blocks and group invitations, for a signed-in user. */
export function contactRoutes(authenticated: Hono<Env>, contacts: Contacts, groups: Groups): void {
  handle(authenticated, "/api", ROUTES.contacts, async (c) => c.json(await contacts.list(c.get("actor"))));
  handle(authenticated, "/api", ROUTES.addContact, async (c) => c.json(await contacts.add(c.get("actor"), c.req.valid("json").user)));
  handle(authenticated, "/api", ROUTES.removeContact, async (c) => {
    await contacts.remove(c.get("actor"), c.req.valid("param").user);
    return c.body(null, 204);
  });
  handle(authenticated, "/api", ROUTES.block, async (c) => {
    await contacts.block(c.get("actor"), c.req.valid("json").user);
    return c.body(null, 204);
  });
  handle(authenticated, "/api", ROUTES.unblock, async (c) => {
    await contacts.unblock(c.get("actor"), c.req.valid("param").user);
    return c.body(null, 204);
  });
  handle(authenticated, "/api", ROUTES.groupInvites, async (c) => c.json(await groups.invites(c.get("actor"))));
  handle(authenticated, "/api", ROUTES.acceptGroupInvite, async (c) => c.json(await groups.accept(c.get("actor"), c.req.valid("param").name)));
  handle(authenticated, "/api", ROUTES.declineGroupInvite, async (c) => {
    await groups.decline(c.get("actor"), c.req.valid("param").name);
    return c.body(null, 204);
  });
}
