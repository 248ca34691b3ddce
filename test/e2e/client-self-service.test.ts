/** The account commands of chat-client in script mode, with the compiled binaries: /export, /password, /delete-account. */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DataExport } from "../../src/protocol/index.ts";
import { PASSWORD, runClient, scriptSuite } from "./support.ts";

const { dir, server } = scriptSuite();
const NEW_PASSWORD = "a new password for alice";

describe("chat-client account commands in script mode", () => {
  test("alice exports her data to a file, changes her password, then deletes her account; bob can no longer write to her", async () => {
    const chat = await server();
    const bobHome = dir("chat-e2e-bob-");
    const aliceHome = dir("chat-e2e-alice-");
    expect((await runClient("bob", { server: chat, configHome: bobHome }, [])).code).toBe(0);

    const file = join(aliceHome, "mine.json");
    const exported = await runClient("alice", { server: chat, configHome: aliceHome }, ["bob hello bob", `/export ${file}`]);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain(`Saved your data to ${file}.`);
    const data = DataExport.parse(JSON.parse(readFileSync(file, "utf8")));
    expect(data.conversations.flatMap((conversation) => conversation.messages.map((message) => "text" in message && message.text))).toEqual(["hello bob"]);

    const missing = await runClient("alice", { server: chat, configHome: aliceHome }, ["/password logout"]);
    expect(missing.stderr.join("\n")).toContain("This needs a new password (script mode: CHAT_NEW_PASSWORD).");
    const changed = await runClient("alice", { server: chat, configHome: aliceHome, env: { CHAT_NEW_PASSWORD: NEW_PASSWORD } }, ["/password logout"]);
    expect(changed.stdout).toContain("Password changed; 0 other devices were logged out.");
    expect(changed.code).toBe(0);

    // The saved session still works; deleting needs the new password and the own name.
    const wrongName = await runClient("alice", { server: chat, configHome: aliceHome, password: NEW_PASSWORD }, ["/delete-account bob"]);
    expect(wrongName.stderr.join("\n")).toContain("To confirm, give your own name, alice.");
    const oldPassword = await runClient("alice", { server: chat, configHome: aliceHome, password: PASSWORD }, ["/delete-account alice"]);
    expect(oldPassword.stderr.join("\n")).toContain("That password is not right.");
    const deleted = await runClient("alice", { server: chat, configHome: aliceHome, password: NEW_PASSWORD }, ["/delete-account alice"]);
    expect(deleted.stdout).toContain("The account alice is deleted; this device is logged out.");
    expect(deleted.code).toBe(0);

    const refused = await runClient("bob", { server: chat, configHome: bobHome }, ["alice are you there?"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.join("\n")).toContain("The account 'alice' was deleted: messages to it are refused.");
  });
});
