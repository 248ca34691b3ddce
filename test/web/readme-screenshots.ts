/**
 * The README's screenshots (docs/screenshots/*.png): a small chat scene made through the real
 * server and page. `bun test/web/readme-screenshots.ts` (not part of `bun test`: the tests save
 * their own screenshots under .tmp/web-artifacts).
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { SdkDevice } from "../helpers/sdk-device.ts";
import { registerUser, startTestServer, tempDir } from "../helpers/server.ts";
import { bubble, chatButton, composer, launchBrowser, newPerson, openChat, PASSWORD, send, signIn, tick } from "./browser.ts";

const OUT = resolve(import.meta.dir, "../../docs/screenshots");
mkdirSync(OUT, { recursive: true });

const server = await startTestServer();
const browser = await launchBrowser();
try {
  const devices: Record<string, SdkDevice> = {};
  for (const name of ["bob", "carol", "dave"]) {
    const session = await registerUser(server, name, PASSWORD);
    devices[name] = await new SdkDevice(server, tempDir("chat-shots-"), name, session.token).ready();
  }
  const alice = await newPerson(browser, server.url, "alice", { width: 1200, height: 760 });
  await signIn(alice);
  const { page } = alice;

  // A group with notices, sender names, a reply and reactions.
  await page.getByRole("button", { name: "New group" }).click();
  await page.getByRole("dialog").getByLabel("Group name").fill("weekend");
  await page.getByRole("dialog").getByLabel("Members").fill("bob, carol, dave");
  await page.getByRole("button", { name: "Create group" }).click();
  await composer(page).waitFor();
  await send(page, "Hiking on Saturday? The forecast says sun ☀️");
  await tick(page, "Hiking on Saturday", "Delivered").waitFor();
  const plan = devices.bob!.messages.find((message) => message.text.startsWith("Hiking"))?.id;
  devices.bob!.connection.send("#weekend", "I'm in! Meet at the station at 9?", plan);
  devices.carol!.connection.send("#weekend", "Count me in too 🥾");
  await bubble(page, "Count me in").waitFor();
  devices.dave!.connection.act({ type: "react", target: plan!, emoji: "👍", to: "#weekend" });
  devices.carol!.connection.act({ type: "react", target: plan!, emoji: "👍", to: "#weekend" });
  await bubble(page, "Hiking on Saturday").first().getByLabel("Reactions").filter({ hasText: "👍 2" }).waitFor();
  await send(page, "Great: 9 at the station.\nI'll bring the map.");

  // Direct chats: one read, one unread, one typing.
  devices.bob!.connection.send("alice", "Did you see the photos from last time? https://example.org/album");
  devices.dave!.connection.send("alice", "Call you later about the car");
  devices.dave!.connection.send("alice", "No rush 🙂");
  await chatButton(page, "dave").filter({ hasText: "No rush" }).waitFor();
  await openChat(page, "bob");
  await send(page, "Yes, they turned out great!");
  await tick(page, "they turned out great", "Read").waitFor().catch(() => undefined);
  await openChat(page, "#weekend");
  await bubble(page, "I'll bring the map").waitFor();
  devices.carol!.connection.typing("#weekend");
  await page.getByRole("main").getByText("carol is typing…").waitFor();
  await page.screenshot({ path: join(OUT, "web-light.png") });

  const phone = await newPerson(browser, server.url, "alice", { width: 390, height: 780, colorScheme: "dark" });
  await signIn(phone, "Log in");
  await openChat(phone.page, "#weekend");
  await bubble(phone.page, "I'll bring the map").waitFor();
  await phone.page.screenshot({ path: join(OUT, "web-phone-dark.png") });
  for (const device of Object.values(devices)) await device.connection.stop();
  console.log(`wrote ${OUT}/web-light.png and web-phone-dark.png`);
} finally {
  await browser.close();
  await server.cleanup();
}
