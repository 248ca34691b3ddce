import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { deflateSync } from "node:zlib";
import type { Browser } from "playwright-core";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { bubble, chatButton, composer, launchBrowser, openChat, registeredPerson, screenshot, startChat } from "./browser.ts";

// page.evaluate callbacks run in the page; this file is type-checked without the DOM's types.
declare const document: any, DataTransfer: any, File: any, ClipboardEvent: any, DragEvent: any;

let browser: Browser;
let server: TestServer;

beforeAll(async () => {
  browser = await launchBrowser();
  server = await startTestServer();
});
afterAll(() => Promise.all([browser?.close(), server?.cleanup()]));

/** A PNG of `width`×`height` red pixels: a real image for the browser to draw. */
function redPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(Bun.hash.crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits per channel, RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, Buffer.from([255, 0, 0]))]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", header), chunk("IDAT", pixels), chunk("IEND", Buffer.alloc(0))]);
}

/** Larger than a preview: the full image is another picture. */
const PNG = redPng(640, 480);

/** Whether the image of a bubble has loaded, and from where. */
const imageState = (selector: string) =>
  ((selector: string) => {
    const image = document.querySelector(selector);
    return image ? { loaded: image.complete && image.naturalWidth > 0, width: image.naturalWidth, source: image.getAttribute("src") } : null;
  })(selector);

describe("files in the browser", () => {
  test("alice attaches an image with a caption; bob sees its preview at once and the full image on click; other files come as a card", async () => {
    const alice = await registeredPerson(browser, server.url, "alice");
    const bob = await registeredPerson(browser, server.url, "bob");
    await startChat(alice.page, "bob");
    await composer(alice.page).fill("the view from here");
    await alice.page.locator('input[type="file"]').setInputFiles({ name: "view.png", mimeType: "image/png", buffer: PNG });
    await bubble(alice.page, "the view from here").getByRole("img", { name: "view.png" }).waitFor();
    expect(await composer(alice.page).inputValue()).toBe("");

    await openChat(bob.page, "alice");
    const received = bubble(bob.page, "the view from here");
    const image = received.getByRole("img", { name: "view.png" });
    await image.waitFor();
    const selector = '[role="log"] article img[alt="view.png"]';
    await bob.page.waitForFunction((s) => {
      const image = document.querySelector(s);
      return image?.complete && image.naturalWidth > 0;
    }, selector);
    // The preview came with the message: 320 px wide, from the message itself.
    expect(await bob.page.evaluate(imageState, selector)).toMatchObject({ loaded: true, width: 320, source: expect.stringMatching(/^data:image\/jpeg;base64,/) });

    await received.getByRole("button", { name: "Show view.png in full" }).click();
    await bob.page.waitForFunction((s) => {
      const image = document.querySelector(s);
      return image?.getAttribute("src")?.startsWith("/api/attachments/") && image.complete && image.naturalWidth === 640;
    }, selector);
    await screenshot(bob.page, "attachment-image");

    await alice.page.locator('input[type="file"]').setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("<script>alert(1)</script>") });
    const card = bubble(bob.page, "notes.txt");
    await card.waitFor();
    const link = card.getByRole("link", { name: "Download" });
    expect(await link.getAttribute("download")).toBe("notes.txt");
    const answer = await bob.page.request.get(server.url + (await link.getAttribute("href"))!);
    expect(answer.status()).toBe(200);
    expect(answer.headers()["content-disposition"]).toStartWith("attachment;");

    // An image pasted from the clipboard, and a file dropped on the composer, are sent the same way.
    const give = (how: "paste" | "drop", name: string, type: string, text: string) =>
      alice.page.evaluate(
        ({ how, name, type, text }) => {
          const transfer = new DataTransfer();
          transfer.items.add(new File([text], name, { type }));
          const target = document.querySelector("textarea");
          const event = how === "paste" ? new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true, cancelable: true }) : new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true });
          target.dispatchEvent(event);
        },
        { how, name, type, text },
      );
    await give("paste", "pasted.txt", "text/plain", "from the clipboard");
    await bubble(bob.page, "pasted.txt").getByRole("link", { name: "Download" }).waitFor();
    await give("drop", "dropped.txt", "text/plain", "dropped here");
    await bubble(bob.page, "dropped.txt").getByRole("link", { name: "Download" }).waitFor();
    // The chat list names the last file with a drawn clip: an emoji would be an empty box without an emoji font.
    const lastInList = chatButton(bob.page, "alice").locator(".chat-preview");
    await lastInList.filter({ hasText: "dropped.txt" }).waitFor();
    expect(await lastInList.textContent()).toBe("dropped.txt");
    expect(await lastInList.locator("svg").count()).toBe(1);
    await screenshot(bob.page, "attachment-file-cards");
    expect([...alice.problems, ...bob.problems]).toEqual([]);
    await alice.context.close();
    await bob.context.close();
    // A browser test runs long on a shared machine; Bun forgets the preload's default timeout after the first file.
  }, 60_000);

  test("a voice note recorded in the page arrives as audio bob can play", async () => {
    const carol = await registeredPerson(browser, server.url, "carol");
    const dave = await registeredPerson(browser, server.url, "dave");
    await startChat(carol.page, "dave");
    await carol.page.getByRole("button", { name: "Record a voice note" }).click();
    const recording = carol.page.getByRole("status", { name: "Recording a voice note" });
    // A second of sound: the clock shows it.
    await recording.getByText("0:01").waitFor();
    await recording.getByRole("button", { name: "Send" }).click();

    await openChat(dave.page, "carol");
    const selector = '[role="log"] article audio[aria-label^="voice-note-"]';
    await dave.page.locator(selector).waitFor();
    // The player read the file's header from the server: it knows how long it is.
    await dave.page.waitForFunction((s) => (document.querySelector(s)?.readyState ?? 0) >= 1, selector);
    expect([...carol.problems, ...dave.problems]).toEqual([]);
    await carol.context.close();
    await dave.context.close();
  }, 60_000);
});
