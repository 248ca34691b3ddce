import type { Hono } from "hono";
import { CLOSE_CODES, ROUTES } from "../protocol/index.ts";
import type { Accounts } from "../services/accounts.ts";
import type { Groups } from "../services/groups.ts";
import type { LoginThrottle } from "../services/login-throttle.ts";
import { clearedSessionCookie } from "./browser-session.ts";
import type { Connections } from "./connections.ts";
import type { Env } from "./http.ts";
import { handle } from "./route-table.ts";

interface SelfServiceDeps {
  accounts: Accounts;
  groups: Groups;
  connections: Connections;
  logins: LoginThrottle;
  clientAddress: (request: Request) => string;
  secure: boolean;
}

/** What users do to their own account: change its password, delete it, export their data. */
export function selfServiceRoutes(app: Hono<Env>, { accounts, groups, connections, logins, clientAddress, secure }: SelfServiceDeps): void {
  // The password checks count as logins: a stolen token gives no faster way to guess the password.
  handle(app, "/api", ROUTES.changePassword, async (c) => {
    const actor = c.get("actor");
    const body = c.req.valid("json");
    const loggedOut = await logins.login(actor.name, clientAddress(c.req.raw), () =>
      accounts.changePassword(actor, body.currentPassword, body.newPassword, body.logOutOtherDevices),
    );
    for (const deviceId of loggedOut) connections.disconnect(actor.userId, deviceId, CLOSE_CODES.revoked, "logged out by a password change");
    return c.json({ loggedOut: loggedOut.length });
  });

  handle(app, "/api", ROUTES.deleteAccount, async (c) => {
    const actor = c.get("actor");
    const { password } = c.req.valid("json");
    const [devices, { groups: memberOf }] = await Promise.all([accounts.devices(actor), groups.list(actor)]);
    await logins.login(actor.name, clientAddress(c.req.raw), async () => {
      await accounts.checkPassword(actor, password);
      // Leaving through the groups first gives each group its "left" notice; the deletion removes any left over.
      for (const group of memberOf) await groups.remove(actor, group.name, actor.name).catch(() => {});
      await accounts.deleteAccount(actor);
    });
    for (const device of devices) connections.disconnect(actor.userId, device.id, CLOSE_CODES.revoked, "this account was deleted");
    if (c.get("viaCookie")) c.header("Set-Cookie", clearedSessionCookie(secure));
    return c.body(null, 204);
  });

  handle(app, "/api", ROUTES.exportData, async (c) => {
    const actor = c.get("actor");
    const pieces = accounts.exportData(actor);
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await pieces.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      },
      async cancel() {
        await pieces.return(undefined);
      },
    });
    c.header("Content-Type", "application/json; charset=utf-8");
    c.header("Content-Disposition", `attachment; filename="chat-export-${actor.name}.json"`);
    return c.body(body);
  });
}
