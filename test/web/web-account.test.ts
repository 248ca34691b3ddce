/** The web client's account pages: registering with an invite code, and in Settings a new password, a download of one's data, deleting the account. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import type { Browser } from "playwright-core";
import { hashInviteCode, newInviteCode } from "../../src/services/accounts.ts";
import { openSqliteStore } from "../../src/store/sqlite/threaded-store.ts";
import { DataExport } from "../../src/protocol/index.ts";
import { loginUser, startTestServer, type TestServer } from "../helpers/server.ts";
import { launchBrowser, newPerson, PASSWORD, registeredPerson } from "./browser.ts";

let browser: Browser;
let server: TestServer;

beforeAll(async () => {
  [browser, server] = await Promise.all([launchBrowser(), startTestServer()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.cleanup();
});

const NEW_PASSWORD = "a new password for wanda";

test("on an invite-only server the register form takes the invite code", async () => {
  const invited = await startTestServer({ config: { registration: "invite" } });
  try {
    const store = await openSqliteStore(invited.dataDir);
    const code = newInviteCode();
    await store.createInvite(hashInviteCode(code), 1, null, Date.now());
    await store.close();

    const person = await newPerson(browser, invited.url, "irene");
    const { page } = person;
    await page.goto("/");
    await page.getByLabel("Name", { exact: true }).fill("irene");
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Register" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toContain("by invitation only");
    await page.getByLabel("Invite code").fill(` ${code} `);
    await page.getByRole("button", { name: "Register" }).click();
    await page.getByRole("button", { name: "New chat" }).waitFor();
    expect(person.problems).toEqual([]);
    await person.context.close();
  } finally {
    await invited.cleanup();
  }
});

test("Settings: a new password logs the other devices out, the data downloads as a file, and the account can be deleted", async () => {
  const person = await registeredPerson(browser, server.url, "wanda");
  const { page } = person;
  const phone = await loginUser(server, "wanda", PASSWORD, "phone");
  await page.getByRole("button", { name: "Settings" }).click();

  await page.getByLabel("Current password").fill("not the password");
  await page.getByLabel("New password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByRole("alert").textContent()).resolves.toContain("not right");
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Password changed" }).textContent()).resolves.toBe("Password changed; 1 other device was logged out.");
  expect((await fetch(`${server.url}/api/devices`, { headers: { authorization: `Bearer ${phone.token}` } })).status).toBe(401);

  const downloading = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download my data" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe("chat-export-wanda.json");
  const exported = DataExport.parse(JSON.parse(readFileSync((await download.path())!, "utf8")));
  expect(exported.user).toBe("wanda");
  expect(exported.devices.map((device) => device.current)).toEqual([true]);

  await page.getByLabel("Password to confirm").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Delete my account" }).click();
  await page.getByRole("button", { name: "Log in", exact: true }).waitFor();
  await page.getByLabel("Name", { exact: true }).fill("wanda");
  await page.getByLabel("Password", { exact: true }).fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Log in", exact: true }).click();
  await expect(page.getByRole("alert").textContent()).resolves.toContain("There is no user named 'wanda'");
  expect(person.problems).toEqual([]);
  await person.context.close();
});
