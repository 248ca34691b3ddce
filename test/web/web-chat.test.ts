import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import { apiAs } from "../helpers/api.ts";
import { SdkDevice } from "../helpers/sdk-device.ts";
import { loginUser, registerUser, startTestServer, tempDir, type TestServer } from "../helpers/server.ts";
import { befriend, bubble, chatButton, composer, launchBrowser, openChat, PASSWORD, registeredPerson, screenshot, send, startChat, tick } from "./browser.ts";

// page.evaluate callbacks run in the page; this file is type-checked without the DOM's types.
declare const document: any, window: any, getComputedStyle: any, requestAnimationFrame: any;

let browser: Browser;
let server: TestServer;

beforeAll(async () => {
  // No message or frame rates: the scroll-back test stores a few hundred messages at once, in order.
  [browser, server] = await Promise.all([launchBrowser(), startTestServer({ config: { userMessageRate: 0, connectionFrameRate: 0 } })]);
});
afterAll(async () => {
  await browser?.close();
  await server?.cleanup();
});

/** A device of `name` driven through the SDK with a bearer token (another of their devices, or a script). */
async function sdkDevice(name: string): Promise<SdkDevice> {
  const session = await loginUser(server, name, PASSWORD);
  return new SdkDevice(server, tempDir("chat-web-sdk-"), name, session.token).ready();
}

describe("two people chatting in their browsers", () => {
  test("messages arrive live both ways, with ✓ ✓✓ and read ticks, typing, presence, the chat list and unread counts", async () => {
    const alice = await registeredPerson(browser, server.url, "alice");
    const bob = await registeredPerson(browser, server.url, "bob");
    await startChat(alice.page, "bob");
    await send(alice.page, "Hello Bob");
    await chatButton(bob.page, "alice").filter({ hasText: "Hello Bob" }).waitFor();
    expect(await bob.page.title()).toBe("(1) Chat");

    // alice is a stranger to bob: he is asked, and until he accepts she learns nothing but ✓.
    await openChat(bob.page, "alice");
    await bob.page.getByRole("separator").filter({ hasText: "Unread messages" }).waitFor();
    const stranger = bob.page.getByRole("status").filter({ hasText: "alice is not in your contacts" });
    await stranger.waitFor();
    await bob.page.waitForFunction(() => document.title === "Chat");
    expect(await tick(alice.page, "Hello Bob", "Sent").count()).toBe(1);
    await screenshot(bob.page, "stranger");
    await stranger.getByRole("button", { name: "Accept" }).click();
    // Accepted: they are contacts, so what bob read and that he is online reach alice at once.
    await tick(alice.page, "Hello Bob", "Read").waitFor();
    await alice.page.getByRole("main").getByText("online", { exact: true }).waitFor();
    await stranger.waitFor({ state: "detached" });

    await composer(bob.page).pressSequentially("Fine, thanks");
    await alice.page.getByRole("main").getByText("typing…").waitFor();
    await chatButton(alice.page, "bob").filter({ hasText: "typing…" }).waitFor();
    await composer(bob.page).press("Enter");
    await bubble(alice.page, "Fine, thanks").waitFor();
    await tick(bob.page, "Fine, thanks", "Read").waitFor();
    // Presence of a contact comes with a connection's snapshot: after a reload, bob shows online.
    await alice.page.reload();
    await chatButton(alice.page, "bob").and(alice.page.getByRole("button", { name: /online/ })).waitFor();

    await openChat(alice.page, "bob");
    await alice.page.getByRole("main").getByText("online", { exact: true }).waitFor();
    await tick(alice.page, "Hello Bob", "Read").waitFor();
    expect(await bubble(alice.page, "Hello Bob").locator(".tick.read").count()).toBe(1);
    await screenshot(alice.page, "chat-light");
    expect([...alice.problems, ...bob.problems]).toEqual([]);
    await alice.context.close();
    await bob.context.close();
  });

  test("a message sent by keyboard alone keeps its lines; replies quote, reactions and edits show on both sides", async () => {
    const carol = await registeredPerson(browser, server.url, "carol");
    const dave = await registeredPerson(browser, server.url, "dave");
    await befriend(server, "carol", "dave");
    const { page } = carol;
    // From the chat list, Tab to "New chat" and on: no mouse.
    for (let step = 0; step < 12; step++) {
      await page.keyboard.press("Tab");
      if ((await page.evaluate(() => document.activeElement?.textContent?.trim())) === "New chat") break;
    }
    await page.keyboard.press("Enter");
    await page.getByRole("dialog", { name: "New chat" }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe("INPUT");
    await page.keyboard.type("dave");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.activeElement?.getAttribute("aria-label") === "Message");
    await page.keyboard.type("first line");
    await page.keyboard.press("Shift+Enter");
    await page.keyboard.type("second line");
    await page.keyboard.press("Enter");
    await tick(page, "first line", "Delivered").waitFor();

    await openChat(dave.page, "carol");
    const received = bubble(dave.page, "first line");
    await received.waitFor();
    expect(await received.locator(".text").innerText()).toBe("first line\nsecond line");

    await received.locator("xpath=..").getByRole("button", { name: "Message actions" }).click();
    await dave.page.getByRole("menuitem", { name: "Reply" }).click();
    await send(dave.page, "an answer");
    await bubble(carol.page, "an answer").getByRole("blockquote").or(bubble(carol.page, "an answer").locator("blockquote")).first().waitFor();
    await received.locator("xpath=..").getByRole("button", { name: "Message actions" }).click();
    await dave.page.getByRole("menuitem", { name: "React 👍" }).click();
    await bubble(carol.page, "first line").first().getByLabel("Reactions").filter({ hasText: "👍" }).waitFor();

    const mine = bubble(page, "first line").first();
    await mine.locator("xpath=..").getByRole("button", { name: "Message actions" }).click();
    await page.getByRole("menuitem", { name: "Edit" }).click();
    // The composer takes the message's text to change.
    await page.waitForFunction(() => document.querySelector("textarea")?.value === "first line\nsecond line");
    await composer(page).fill("first line, edited");
    await composer(page).press("Enter");
    await bubble(dave.page, "first line, edited").getByText("edited", { exact: true }).waitFor();
    expect([...carol.problems, ...dave.problems]).toEqual([]);
    await carol.context.close();
    await dave.context.close();
  });
});

describe("a hidden tab", () => {
  test("gets a desktop notification and the unread count in its title, and sends no read receipt until it is shown", async () => {
    const tina = await registeredPerson(browser, server.url, "tina");
    const uma = await registeredPerson(browser, server.url, "uma");
    await befriend(server, "tina", "uma");
    // The page's visibility and Notification, as the test sets them (headless tabs are always visible).
    await uma.context.addInitScript(() => {
      let hidden = false;
      Object.defineProperty(document, "visibilityState", { get: () => (hidden ? "hidden" : "visible") });
      Object.defineProperty(document, "hidden", { get: () => hidden });
      const shown: string[] = [];
      class FakeNotification {
        static permission = "granted";
        static requestPermission = async () => "granted";
        onclick: (() => void) | null = null;
        constructor(title: string, options: { body: string }) {
          shown.push(`${title}: ${options.body}`);
        }
      }
      Object.assign(window, { Notification: FakeNotification, shownNotifications: shown, setHidden: (value: boolean) => {
        hidden = value;
        document.dispatchEvent(new Event("visibilitychange"));
      } });
    });
    await uma.page.reload();
    await startChat(tina.page, "uma");
    await send(tina.page, "first, while uma looks");
    await openChat(uma.page, "tina");
    await tick(tina.page, "first, while uma looks", "Read").waitFor();

    await uma.page.evaluate(() => window.setHidden(true));
    await send(tina.page, "second, while the tab is hidden");
    await uma.page.waitForFunction(() => window.shownNotifications.length === 1);
    expect(await uma.page.evaluate(() => window.shownNotifications)).toEqual(["tina: second, while the tab is hidden"]);
    await bubble(uma.page, "second, while the tab is hidden").waitFor();
    await uma.page.waitForFunction(() => document.title === "(1) Chat");
    await tick(tina.page, "second, while the tab is hidden", "Delivered").waitFor();

    await uma.page.evaluate(() => window.setHidden(false));
    await tick(tina.page, "second, while the tab is hidden", "Read").waitFor();
    await uma.page.waitForFunction(() => document.title === "Chat");
    expect([...tina.problems, ...uma.problems]).toEqual([]);
    await tina.context.close();
    await uma.context.close();
  });
});

describe("groups", () => {
  test("creating a group, adding and removing members, making an admin; notices and senders' names in line", async () => {
    await registerUser(server, "kate", PASSWORD);
    const lena = await registeredPerson(browser, server.url, "lena");
    const mona = await registeredPerson(browser, server.url, "mona");
    const { page } = lena;
    await page.getByRole("button", { name: "New group" }).click();
    await page.getByRole("dialog").getByLabel("Group name").fill("crew");
    await page.getByRole("dialog").getByLabel("Members").fill("mona");
    await page.getByRole("button", { name: "Create group" }).click();
    await page.getByRole("main", { name: "Conversation with #crew" }).waitFor();
    const log = page.getByRole("log", { name: "Messages" });
    await log.getByText("You created the group #crew").waitFor();

    await page.getByRole("button", { name: "Group info" }).click();
    const info = page.getByRole("dialog", { name: "Group #crew" });
    await info.getByText("2 members").waitFor();
    await info.getByLabel("New member").fill("kate");
    await info.getByRole("button", { name: "Add member" }).click();
    await info.getByText("3 members").waitFor();
    await info.getByRole("button", { name: "Make mona an admin" }).click();
    await info.getByRole("listitem").filter({ hasText: "mona" }).getByText("admin").waitFor();
    await info.getByRole("button", { name: "Remove kate" }).click();
    await info.getByText("2 members").waitFor();
    await page.getByRole("button", { name: "Close" }).click();
    for (const line of ["You added kate", "You made mona an admin", "You removed kate"]) await log.getByText(line).waitFor();

    await openChat(mona.page, "#crew");
    await mona.page.getByRole("log", { name: "Messages" }).getByText("lena made you an admin").waitFor();
    await send(mona.page, "Hello crew");
    const fromMona = bubble(page, "Hello crew");
    await fromMona.waitFor();
    expect(await fromMona.locator(".sender").innerText()).toBe("mona");
    await tick(mona.page, "Hello crew", "Read").waitFor();
    expect([...lena.problems, ...mona.problems]).toEqual([]);
    await lena.context.close();
    await mona.context.close();
  });
});

describe("contacts", () => {
  test("an add to a group the person's setting does not allow is an invitation in their chat list; Join opens the group", async () => {
    await registerUser(server, "nora", PASSWORD);
    const otto = await registeredPerson(browser, server.url, "otto");
    await otto.page.getByRole("button", { name: "Settings" }).click();
    await otto.page.getByLabel("Who may add me to groups").selectOption("contacts");
    await otto.page.getByRole("button", { name: "Close" }).click();
    const nora = apiAs(server.url, (await loginUser(server, "nora", PASSWORD)).token);
    expect((await nora.post("/api/groups", { name: "book-club", members: ["otto"] })).body).toMatchObject({ invited: ["otto"] });
    const invites = otto.page.getByRole("list", { name: "Group invitations" });
    await invites.getByText("nora invited you to #book-club").waitFor();
    await invites.getByRole("button", { name: "Join" }).click();
    await invites.waitFor({ state: "detached" });
    await openChat(otto.page, "#book-club");
    await otto.page.getByRole("log", { name: "Messages" }).getByText("You joined, invited by nora").waitFor();
    expect(otto.problems).toEqual([]);
    await otto.context.close();
  });
});

describe("history and search", () => {
  test("scrolling up loads older history without moving what is on screen; only the visible rows are rendered", async () => {
    await registerUser(server, "eve", PASSWORD);
    const frank = await registeredPerson(browser, server.url, "frank");
    const eve = await sdkDevice("eve");
    for (let index = 1; index <= 400; index++) eve.connection.send("frank", `history message ${index}${index === 17 ? " with a needle in it" : ""}`);
    await eve.until(() => eve.stored.length === 400, "400 stored", 20_000);
    await eve.connection.stop();

    await frank.page.reload();
    await openChat(frank.page, "eve");
    await bubble(frank.page, "history message 400").waitFor();
    const log = frank.page.getByRole("log", { name: "Messages" });
    const rendered = () => log.getByRole("article").count();
    expect(await rendered()).toBeLessThan(50);

    // Scroll up towards the top: the rows on screen stay where they were while the older page is added above.
    const frames = () => frank.page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    await frank.page.evaluate(() => (document.querySelector(".messages")!.scrollTop = 900));
    await frames();
    const before = await frank.page.evaluate(() => {
      const messages = document.querySelector(".messages")!;
      const top = messages.getBoundingClientRect().top;
      const anchor = [...messages.querySelectorAll("article[data-seq]")].find((article: any) => article.getBoundingClientRect().top >= top);
      messages.scrollTop -= 300; // now near enough to the top to fetch the page before
      return { seq: anchor.dataset.seq!, height: messages.scrollHeight, y: anchor.getBoundingClientRect().y };
    });
    await frank.page.waitForFunction((height) => document.querySelector(".messages")!.scrollHeight > height + 1000, before.height);
    await frames();
    const after = await frank.page.evaluate((seq) => document.querySelector(`[data-seq='${seq}']`)!.getBoundingClientRect().y, before.seq);
    expect(Math.abs(after - before.y)).toBeLessThan(4);

    // Keep scrolling up to the very first message; the DOM never holds more than a screenful or two.
    for (let page = 0; page < 12 && (await frank.page.locator("[data-seq='1']").count()) === 0; page++) {
      const height = await frank.page.evaluate(() => {
        const messages = document.querySelector(".messages")!;
        messages.scrollTop = 0;
        return messages.scrollHeight;
      });
      await frank.page.waitForFunction(
        (previous) => document.querySelector(".messages")!.scrollHeight > previous || !!document.querySelector("[data-seq='1']"),
        height,
      );
      await frank.page.evaluate(() => (document.querySelector(".messages")!.scrollTop = 0));
      expect(await rendered()).toBeLessThan(60);
    }
    const oldest = frank.page.locator("[data-seq='1']");
    await oldest.waitFor();
    expect(await oldest.locator(".text").innerText()).toBe("history message 1");

    // Search across conversations jumps to the message found.
    await frank.page.getByRole("searchbox", { name: "Search messages" }).fill("needle");
    await frank.page.getByRole("searchbox", { name: "Search messages" }).press("Enter");
    await frank.page.getByRole("list", { name: "Search results" }).getByRole("button").first().click();
    const found = bubble(frank.page, "history message 17 with a needle in it");
    await found.waitFor();
    expect(await found.evaluate((element: any) => element.classList.contains("focused"))).toBe(true);
    expect(await found.isVisible()).toBe(true);
    expect(frank.problems).toEqual([]);
    await frank.context.close();
  });
});

describe("layout", () => {
  test("works on a 360-pixel phone screen (one pane at a time, nothing wider than the screen) and in the dark theme", async () => {
    await registerUser(server, "gina", PASSWORD);
    const gina = await sdkDevice("gina");
    const hank = await registeredPerson(browser, server.url, "hank", { width: 360, height: 740 });
    await befriend(server, "gina", "hank");
    gina.connection.send("hank", "A message for the phone");
    await gina.until(() => gina.stored.length === 1, "stored");
    await chatButton(hank.page, "gina").waitFor();
    await screenshot(hank.page, "phone-list");
    const overflow = () => hank.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await openChat(hank.page, "gina");
    expect(await hank.page.getByRole("complementary", { name: "Chats" }).isVisible()).toBe(false);
    await send(hank.page, "A long answer from a small screen, long enough to wrap over several lines of the bubble");
    await tick(hank.page, "A long answer", "Delivered").waitFor();
    const box = (await composer(hank.page).boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(360);
    expect(box.y + box.height).toBeLessThanOrEqual(740);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(hank.page, "phone-chat");
    await hank.page.getByRole("button", { name: "Back to chats" }).click();
    await chatButton(hank.page, "gina").waitFor();

    const dark = await registeredPerson(browser, server.url, "ivan", { colorScheme: "dark" });
    await befriend(server, "gina", "ivan");
    await startChat(dark.page, "gina");
    await send(dark.page, "Good evening from the dark theme");
    await tick(dark.page, "Good evening", "Delivered").waitFor();
    const background = await dark.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe("rgb(11, 20, 26)");
    await screenshot(dark.page, "chat-dark");
    await gina.connection.stop();
    expect([...hank.problems, ...dark.problems]).toEqual([]);
    await hank.context.close();
    await dark.context.close();
  });
});
