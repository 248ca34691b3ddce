import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import { registerUser, startTestServer, type TestServer } from "../helpers/server.ts";
import { selfSignedCertificate } from "../helpers/tls-cert.ts";
import { bubble, composer, launchBrowser, newPerson, PASSWORD, registeredPerson, send, signIn, startChat } from "./browser.ts";

let browser: Browser;
let server: TestServer;

beforeAll(async () => {
  [browser, server] = await Promise.all([launchBrowser(), startTestServer()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.cleanup();
});

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

describe("signing in from the page", () => {
  test("registering, logging out and logging in again; clear sentences for bad names and passwords", async () => {
    const person = await newPerson(browser, server.url, "wanda");
    const { page } = person;
    await page.goto("/");
    await page.getByLabel("Name", { exact: true }).fill("9lives");
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Register" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toContain("starting with a letter");

    await page.getByLabel("Name", { exact: true }).fill("wanda");
    await page.getByLabel("Password", { exact: true }).fill("short");
    await page.getByRole("button", { name: "Register" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toContain("at least 8 characters");

    await signIn(person, "Register");
    await page.getByRole("heading", { name: "wanda" }).waitFor();
    await page.getByRole("button", { name: "Settings" }).click();
    await page.getByRole("button", { name: "Log out", exact: true }).click();
    await page.getByRole("button", { name: "Log in", exact: true }).waitFor();

    await page.getByLabel("Name", { exact: true }).fill("wanda");
    await page.getByLabel("Password", { exact: true }).fill("wrong password!");
    await page.getByRole("button", { name: "Log in", exact: true }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toContain("do not match");
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: "Log in", exact: true }).click();
    await page.getByRole("button", { name: "New chat" }).waitFor();

    // A name nobody has is named as such, with the way to create it.
    const stranger = await newPerson(browser, server.url, "nobodyyet");
    await stranger.page.goto("/");
    await stranger.page.getByLabel("Name", { exact: true }).fill("nobodyyet");
    await stranger.page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await stranger.page.getByRole("button", { name: "Log in", exact: true }).click();
    await expect(stranger.page.getByRole("alert").textContent()).resolves.toContain("Register");
    expect([...person.problems, ...stranger.problems]).toEqual([]);
    await person.context.close();
    await stranger.context.close();
  });

  test("the session is an HttpOnly, SameSite=Strict cookie the page cannot read, kept across reloads; the token never reaches the page", async () => {
    const person = await registeredPerson(browser, server.url, "cookie");
    const cookies = await person.context.cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ name: "chat_session", httpOnly: true, sameSite: "Strict", secure: false, path: "/" });
    expect(await person.page.evaluate("document.cookie")).toBe("");
    await person.page.reload();
    await person.page.getByRole("button", { name: "New chat" }).waitFor();

    const response = await fetch(`${server.url}/api/browser/login`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-chat-csrf": "1" },
      body: JSON.stringify({ name: "cookie", password: PASSWORD }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.token).toBeUndefined();
    expect(response.headers.get("set-cookie")).toMatch(/^chat_session=[\w-]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict$/);
    await person.context.close();
  });

  test("every answer carries the CSP, nosniff and Referrer-Policy; the page's scripts and styles are files, not inline", async () => {
    for (const path of ["/", "/api/conversations", "/healthz", "/nothing-here"]) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.headers.get("content-security-policy")).toBe(CSP);
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    }
    const html = await (await fetch(server.url)).text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style/);
    for (const [, asset] of html.matchAll(/(?:src|href)="(\/chunk-[\w-]+\.(?:js|css))"/g)) {
      const response = await fetch(`${server.url}${asset}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(asset!.endsWith(".js") ? /javascript/ : /css/);
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    }
  });

  test("cookie requests that change state need X-Chat-CSRF and this server's Origin; the WebSocket takes the cookie only from this origin", async () => {
    const login = await fetch(`${server.url}/api/browser/register`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-chat-csrf": "1" },
      body: JSON.stringify({ name: "victim", password: PASSWORD }),
    });
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    const privacy = (headers: Record<string, string>) =>
      fetch(`${server.url}/api/settings`, { method: "PATCH", headers: { "content-type": "application/json", cookie, ...headers }, body: JSON.stringify({ readReceipts: false }) });

    expect((await privacy({})).status).toBe(403);
    expect((await privacy({ "x-chat-csrf": "1", origin: "https://evil.example" })).status).toBe(403);
    expect((await privacy({ "x-chat-csrf": "1", origin: server.url })).status).toBe(200);
    expect((await fetch(`${server.url}/api/logout`, { method: "POST", headers: { cookie } })).status).toBe(403);
    // A login from another site's form is refused too (no header).
    const forged = await fetch(`${server.url}/api/browser/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "victim", password: PASSWORD }) });
    expect(forged.status).toBe(403);
    // Reading needs no header; a bearer token needs none either.
    expect((await fetch(`${server.url}/api/conversations`, { headers: { cookie } })).status).toBe(200);
    const bearer = await registerUser(server, "bearer");
    const withToken = await fetch(`${server.url}/api/settings`, { method: "PATCH", headers: { "content-type": "application/json", authorization: `Bearer ${bearer.token}` }, body: "{}" });
    expect(withToken.status).toBe(200);

    const upgrade = (origin: string | undefined) =>
      fetch(`${server.url}/ws`, { headers: { cookie, connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", ...(origin ? { origin } : {}) } });
    expect((await upgrade("https://evil.example")).status).toBe(403);
    expect((await upgrade(undefined)).status).toBe(403);
    expect((await upgrade(server.url)).status).toBe(101);

    // Logging out from the page clears the cookie.
    const out = await fetch(`${server.url}/api/logout`, { method: "POST", headers: { cookie, "x-chat-csrf": "1" } });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toMatch(/^chat_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict/);
    expect((await fetch(`${server.url}/api/conversations`, { headers: { cookie } })).status).toBe(401);
  });

  test("under TLS the cookie is Secure as well", async () => {
    const certificate = selfSignedCertificate();
    const tls = await startTestServer({ config: { tls: { cert: certificate.certPath, key: certificate.keyPath } } });
    try {
      const response = await fetch(`${tls.url}/api/browser/register`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-chat-csrf": "1" },
        body: JSON.stringify({ name: "secure", password: PASSWORD }),
        tls: { ca: [certificate.certPem] },
      });
      expect(response.status).toBe(201);
      expect(response.headers.get("set-cookie")).toMatch(/; HttpOnly; SameSite=Strict; Secure$/);
    } finally {
      await tls.cleanup();
      certificate.remove();
    }
  });
});

describe("settings", () => {
  test("privacy switches are kept; another device is listed and logged out from here, and its page goes back to the login", async () => {
    const laptop = await registeredPerson(browser, server.url, "sally");
    const phone = await newPerson(browser, server.url, "sally");
    await signIn(phone, "Log in");
    const { page } = laptop;
    await page.getByRole("button", { name: "Settings" }).click();
    const dialog = page.getByRole("dialog", { name: "Settings" });
    const receipts = dialog.getByRole("switch", { name: "Send read receipts" });
    await receipts.waitFor();
    expect(await receipts.isChecked()).toBe(true);
    await receipts.uncheck();
    await dialog.getByRole("switch", { name: "Show when I was last seen" }).uncheck();
    await page.getByRole("button", { name: "Close" }).click();
    await page.reload();
    await page.getByRole("button", { name: "Settings" }).click();
    await dialog.getByRole("switch", { name: "Send read receipts" }).waitFor();
    expect(await dialog.getByRole("switch", { name: "Send read receipts" }).isChecked()).toBe(false);
    expect(await dialog.getByRole("switch", { name: "Show when I was last seen" }).isChecked()).toBe(false);

    const devices = dialog.getByRole("listitem");
    expect(await devices.count()).toBe(2);
    expect(await devices.filter({ hasText: "(this one)" }).count()).toBe(1);
    await dialog.getByRole("button", { name: /^Log out Chrome/ }).click();
    await phone.page.getByRole("button", { name: "Log in", exact: true }).waitFor();
    await dialog.getByRole("listitem").filter({ hasText: "(this one)" }).waitFor();
    expect(await dialog.getByRole("listitem").count()).toBe(1);
    expect([...laptop.problems, ...phone.problems]).toEqual([]);
    await laptop.context.close();
    await phone.context.close();
  });
});

describe("text stays text", () => {
  test("a message with HTML and a script tag is shown as written, and nothing in it runs; only http(s) links become links", async () => {
    const mallory = await registeredPerson(browser, server.url, "mallory");
    const reader = await registeredPerson(browser, server.url, "reader");
    const hostile = `<img src=x onerror=alert(1)> <script>alert(2)</script> javascript:alert(3) https://example.org/a?b=1`;
    await startChat(mallory.page, "reader");
    await send(mallory.page, hostile);
    await reader.page.getByRole("button", { name: /^mallory/ }).click();
    const shown = bubble(reader.page, "onerror");
    await shown.waitFor();
    expect(await shown.locator(".text").innerText()).toBe(hostile);
    expect(await reader.page.locator(".messages img, .messages script").count()).toBe(0);
    const links = shown.getByRole("link");
    expect(await links.count()).toBe(1);
    expect(await links.getAttribute("href")).toBe("https://example.org/a?b=1");
    expect(await links.getAttribute("rel")).toBe("noopener noreferrer");
    expect(await links.getAttribute("target")).toBe("_blank");
    await composer(reader.page).waitFor();
    expect([...mallory.problems, ...reader.problems]).toEqual([]);
    await mallory.context.close();
    await reader.context.close();
  });
});
