/**
 * What the operator's account changes (`chat-server admin deactivate|reactivate|reset-password`, made here
 * through another store on the same data, as the admin process does) mean to a running deployment, tried
 * as the deactivated user would: logging in again, sending from a socket that was open, its old token;
 * and others writing to them. On every deployment.
 */
import { describe, expect, test } from "bun:test";
import { ErrorBody } from "../../src/protocol/index.ts";
import { cleanupAfterEach } from "../helpers/cleanups.ts";
import { DEPLOYMENT_KINDS, deploymentWithUsers } from "../helpers/deployments.ts";
import { TEST_PASSWORD } from "../helpers/server.ts";

function post(url: string, path: string, body: unknown) {
  return fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

async function refusal(response: Response) {
  return { status: response.status, code: ErrorBody.parse(await response.json()).error.code };
}

for (const kind of DEPLOYMENT_KINDS) {
  describe(kind.name, () => {
    const defer = cleanupAfterEach();

    test("a deactivated user is logged out everywhere at once, cannot log in or send, and messages to them are refused", async () => {
      const { server, users, api, connect } = await deploymentWithUsers(kind, ["mallory", "bob"], defer);
      const mallory = await connect("mallory");
      const bob = await connect("bob");
      await mallory.sendMessage("bob", "before");

      const store = await server.openStore();
      defer(() => store.close());
      expect(await store.setDeactivated("mallory", Date.now())).toBe((await store.userByName("mallory"))!.id);

      // The open socket is closed as logged out, on whichever server holds it.
      expect((await mallory.closed()).code).toBe(4001);
      // Its token is refused over HTTP and for a new WebSocket.
      expect((await api("mallory").get("/api/devices")).status).toBe(401);
      const upgrade = await fetch(`${server.url}/ws`, { headers: { authorization: `Bearer ${users.mallory!.token}` } });
      expect(upgrade.status).toBe(401);
      // Logging in again, with the right password, says why; a wrong one says nothing more than usual.
      expect(await refusal(await post(server.url, "/api/login", { name: "mallory", password: TEST_PASSWORD }))).toEqual({ status: 403, code: "account_deactivated" });
      expect(await refusal(await post(server.url, "/api/login", { name: "mallory", password: "not the password" }))).toEqual({ status: 401, code: "wrong_password" });
      // Nobody can write to them, nor take the name.
      const id = bob.nextId("m");
      bob.send({ type: "send", id, to: "mallory", text: "are you there?" });
      const answer = await bob.next((frame) => frame.type === "error" && frame.id === id);
      expect(answer).toMatchObject({ type: "error", code: "account_deactivated" });
      expect(await refusal(await post(server.url, "/api/register", { name: "mallory", password: TEST_PASSWORD }))).toEqual({ status: 409, code: "name_taken" });

      // Reactivated, the same password logs in again and messages flow.
      expect(await store.setDeactivated("mallory", null)).not.toBeNull();
      expect((await post(server.url, "/api/login", { name: "mallory", password: TEST_PASSWORD })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1_100)); // the servers' memory of the deactivation expires
      expect((await bob.sendMessage("mallory", "welcome back")).type).toBe("sent");
    });

    test("a new password set by the operator logs every device out and the old password stops working", async () => {
      const { server, api, connect } = await deploymentWithUsers(kind, ["alice"], defer);
      const socket = await connect("alice");
      const store = await server.openStore();
      defer(() => store.close());
      expect(await store.setPasswordHash("alice", await Bun.password.hash("a brand new password"))).toBe(true);
      expect((await socket.closed()).code).toBe(4001);
      expect((await api("alice").get("/api/devices")).status).toBe(401);
      expect(await refusal(await post(server.url, "/api/login", { name: "alice", password: TEST_PASSWORD }))).toEqual({ status: 401, code: "wrong_password" });
      expect((await post(server.url, "/api/login", { name: "alice", password: "a brand new password" })).status).toBe(200);
    });
  });
}
