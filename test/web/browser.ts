import { makeContacts } from "../helpers/deployments.ts";
import { loginUser, type TestServer } from "../helpers/server.ts";
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from "playwright-core";

/**
 * Browser tests: Debian's Chromium (`apt-get install chromium`; .ci/run installs it), driven by
 * playwright-core. One browser per test file, one context (a separate profile: cookies,
 * IndexedDB) per person; every wait is for something on the page, never a sleep.
 */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const PASSWORD = "correct horse battery";
export const ARTIFACTS = resolve(import.meta.dir, "../../.tmp/web-artifacts");
const WAIT_MS = 15_000;

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install Debian's package (apt-get install -y chromium), as .ci/run does.`);
  // Playwright gives every launch a fresh profile directory of its own (--user-data-dir).
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      // A microphone that plays a tone, allowed without asking: voice notes.
      "--use-fake-device-for-media-stream",
      "--use-fake-ui-for-media-stream",
    ],
    timeout: 30_000,
  });
}

export interface Person {
  name: string;
  context: BrowserContext;
  page: Page;
  /** Problems the page reported: uncaught errors and dialogs (an `alert` would be one). */
  problems: string[];
}

export async function newPerson(browser: Browser, baseUrl: string, name: string, options: { width?: number; height?: number; colorScheme?: "light" | "dark" } = {}): Promise<Person> {
  const context = await browser.newContext({
    baseURL: baseUrl,
    viewport: { width: options.width ?? 1100, height: options.height ?? 720 },
    colorScheme: options.colorScheme ?? "light",
    locale: "en-GB",
    timezoneId: "UTC",
  });
  context.setDefaultTimeout(WAIT_MS);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("dialog", (dialog) => {
    problems.push(`dialog: ${dialog.type()} ${dialog.message()}`);
    void dialog.dismiss();
  });
  return { name, context, page, problems };
}

/** Opens the page and registers (or logs in) through the form, as a person would. */
export async function signIn(person: Person, mode: "Register" | "Log in" = "Register"): Promise<void> {
  const { page } = person;
  await page.goto("/");
  await page.getByLabel("Name", { exact: true }).fill(person.name);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: mode, exact: true }).click();
  await page.getByRole("button", { name: "New chat" }).waitFor();
}

export async function registeredPerson(browser: Browser, baseUrl: string, name: string, options?: Parameters<typeof newPerson>[3]): Promise<Person> {
  const person = await newPerson(browser, baseUrl, name, options);
  await signIn(person);
  return person;
}

export function composer(page: Page): Locator {
  return page.getByRole("textbox", { name: "Message", exact: true });
}

export function chatButton(page: Page, peer: string): Locator {
  return page.getByRole("button", { name: new RegExp(`^${peer.replace("#", "#")}(,|$)`) });
}

export function bubble(page: Page, text: string | RegExp): Locator {
  return page.getByRole("log", { name: "Messages" }).getByRole("article").filter({ hasText: text });
}

/** Starts a chat with `peer` through the "New chat" dialog. */
export async function startChat(page: Page, peer: string): Promise<void> {
  await page.getByRole("button", { name: "New chat" }).click();
  await page.getByRole("dialog").getByLabel("Name").fill(peer);
  await page.getByRole("button", { name: "Start chat" }).click();
  await composer(page).waitFor();
}

export async function openChat(page: Page, peer: string): Promise<void> {
  await chatButton(page, peer).click();
  await page.getByRole("main", { name: `Conversation with ${peer}` }).waitFor();
}

export async function send(page: Page, text: string): Promise<void> {
  await composer(page).fill(text);
  await composer(page).press("Enter");
}

/** The tick on our message with this text: "Waiting to send", "Sent", "Delivered" or "Read". */
export function tick(page: Page, text: string, label: string): Locator {
  return bubble(page, text).getByRole("img", { name: label, exact: true });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** Makes two people with the test password contacts, as two who wrote to each other are: ticks and presence flow. */
export async function befriend(server: Pick<TestServer, "url">, a: string, b: string): Promise<void> {
  const [first, second] = await Promise.all([loginUser(server, a, PASSWORD), loginUser(server, b, PASSWORD)]);
  await makeContacts(server, first, second);
}
