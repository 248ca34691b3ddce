import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import type { Browser } from "playwright-core";
import { ensureBinaries, startClient, tempDir as e2eTempDir } from "../e2e/support.ts";
import { SdkDevice } from "../helpers/sdk-device.ts";
import { registerUser, startTestServer, tempDir, type TestServer } from "../helpers/server.ts";
import { befriend, bubble, chatButton, composer, launchBrowser, openChat, PASSWORD, registeredPerson, send, startChat, tick } from "./browser.ts";

// page.evaluate callbacks run in the page; this file is type-checked without the DOM's types.
declare const indexedDB: any;

let browser: Browser;
let server: TestServer;
const dirs: string[] = [];

beforeAll(async () => {
  [browser, server] = await Promise.all([launchBrowser(), startTestServer(), ensureBinaries()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.cleanup();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function sdkDevice(name: string): Promise<SdkDevice> {
  const session = await registerUser(server, name, PASSWORD);
  const dir = tempDir("chat-web-sdk-");
  dirs.push(dir);
  return new SdkDevice(server, dir, name, session.token).ready();
}

describe("the browser and the terminal client", () => {
  test("a browser user and a ./chat-client user chat both ways", async () => {
    const configHome = e2eTempDir("chat-web-terminal-");
    dirs.push(configHome);
    const terminal = startClient("tom", { server, configHome }, ["--receipts"]);
    await terminal.stderr.line("connected");
    const anna = await registeredPerson(browser, server.url, "anna");
    await startChat(anna.page, "tom");
    await send(anna.page, "Hello from the browser");
    await terminal.stdout.line("[anna]: Hello from the browser");

    // tom's answer makes them contacts: anna's tick and tom's read receipt follow.
    terminal.type("anna Hello from the terminal");
    await bubble(anna.page, "Hello from the terminal").waitFor();
    await tick(anna.page, "Hello from the browser", "Delivered").waitFor();
    await terminal.stdout.line(/^receipt read anna \d+ anna$/);
    expect(await terminal.finish()).toBe(0);
    expect(terminal.stdout.lines.filter((line) => line.includes("Hello from the browser"))).toHaveLength(1);
    expect(anna.problems).toEqual([]);
    await anna.context.close();
  });
});

describe("offline, reloads and restarts", () => {
  test("a message typed offline waits with a clock and is delivered exactly once when the network returns, also after the tab was closed", async () => {
    const bert = await sdkDevice("bert");
    const olga = await registeredPerson(browser, server.url, "olga");
    await befriend(server, "bert", "olga");
    await startChat(olga.page, "bert");
    await send(olga.page, "online first");
    await bert.until(() => bert.texts.includes("online first"), "first message");

    await olga.context.setOffline(true);
    await olga.page.getByRole("status").filter({ hasText: "Connection lost" }).waitFor();
    await send(olga.page, "typed while offline");
    await tick(olga.page, "typed while offline", "Waiting to send").waitFor();
    await olga.context.setOffline(false);
    await olga.page.getByRole("status").filter({ hasText: "Connected again" }).waitFor();
    await tick(olga.page, "typed while offline", "Delivered").waitFor();

    // Offline again; this time the tab is closed before the network returns.
    await olga.context.setOffline(true);
    await olga.page.getByRole("status").filter({ hasText: "Connection lost" }).waitFor();
    await send(olga.page, "typed before closing the tab");
    await tick(olga.page, "typed before closing the tab", "Waiting to send").waitFor();
    // The outbox is in IndexedDB (its write commits a moment after the clock shows): then the tab goes.
    await olga.page.waitForFunction(async () => {
      const db: any = await new Promise((resolve, reject) => {
        const open = indexedDB.open("chat");
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const state: any = await new Promise((resolve) => {
        const get = db.transaction("device-state").objectStore("device-state").getAll();
        get.onsuccess = () => resolve(get.result[0]);
      });
      db.close();
      return state?.outbox?.some((entry: { text?: string }) => entry.text === "typed before closing the tab");
    });
    await olga.page.close();
    await olga.context.setOffline(false);
    const reopened = await olga.context.newPage();
    await reopened.goto("/");
    await openChat(reopened, "bert");
    await tick(reopened, "typed before closing the tab", "Delivered").waitFor();

    await send(reopened, "marker");
    await bert.until(() => bert.texts.includes("marker"), "marker");
    expect(bert.texts).toEqual(["online first", "typed while offline", "typed before closing the tab", "marker"]);
    await bert.connection.stop();
    await olga.context.close();
  });

  test("the server restarted under an open page: a banner while it is away, then the chat goes on", async () => {
    const local = await startTestServer();
    try {
      const pia = await registeredPerson(browser, local.url, "pia");
      const quinn = await registeredPerson(browser, local.url, "quinn");
      await befriend(local, "pia", "quinn");
      await startChat(pia.page, "quinn");
      await send(pia.page, "before the restart");
      await chatButton(quinn.page, "pia").waitFor();
      await openChat(quinn.page, "pia");

      await local.stop();
      await pia.page.getByRole("status").filter({ hasText: "Connection lost" }).waitFor();
      const again = await startTestServer({ dataDir: local.dataDir, config: { port: local.port } });
      try {
        await pia.page.getByRole("status").filter({ hasText: "Connected again" }).waitFor({ timeout: 20_000 });
        await send(pia.page, "after the restart");
        await bubble(quinn.page, "after the restart").waitFor({ timeout: 20_000 });
        await tick(pia.page, "after the restart", "Read").waitFor();
        expect(await composer(quinn.page).isEditable()).toBe(true);
        expect([...pia.problems, ...quinn.problems]).toEqual([]);
      } finally {
        await pia.context.close();
        await quinn.context.close();
        await again.stop();
      }
    } finally {
      await local.cleanup();
    }
  });
});

describe("tabs", () => {
  test("two tabs of one browser share one connection: the second says so, takes over with Use here, and either can chat", async () => {
    const rita = await sdkDevice("rita");
    const sam = await registeredPerson(browser, server.url, "sam");
    await befriend(server, "rita", "sam");
    await startChat(sam.page, "rita");
    await send(sam.page, "from the first tab");
    await tick(sam.page, "from the first tab", "Delivered").waitFor();

    const second = await sam.context.newPage();
    await second.goto("/");
    await second.getByRole("status").filter({ hasText: "open in another tab" }).waitFor();
    await second.getByRole("button", { name: "Use here" }).click();
    await sam.page.getByRole("status").filter({ hasText: "open in another tab" }).waitFor();
    await openChat(second, "rita");
    await send(second, "from the second tab");
    await tick(second, "from the second tab", "Delivered").waitFor();
    rita.connection.send("sam", "an answer for sam");
    await bubble(second, "an answer for sam").waitFor();

    // Closing the tab that has it hands the connection back to the other.
    await second.close();
    await sam.page.getByRole("status").filter({ hasText: "open in another tab" }).waitFor({ state: "detached" });
    await send(sam.page, "first tab again");
    await rita.until(() => rita.texts.includes("first tab again"), "first tab again");
    expect(rita.texts).toEqual(["from the first tab", "from the second tab", "first tab again"]);
    await rita.connection.stop();
    await sam.context.close();
  });
});
