import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { freePort } from "../helpers/free-port.ts";
import { ensureBinaries, lastLine, PASSWORD, removeAll, runClient, type ServerProcess, shows, startServerBinary, tempDir, Terminal } from "./support.ts";

const dirs: string[] = [];
const servers: ServerProcess[] = [];
const terminal = new Terminal();

function dir(prefix: string): string {
  const created = tempDir(prefix);
  dirs.push(created);
  return created;
}

async function server(port?: number, args: string[] = []): Promise<ServerProcess> {
  const started = await startServerBinary(dir("chat-e2e-data-"), port, args);
  servers.push(started);
  return started;
}

const exitedWith = (session: string) => terminal.waitFor(session, "the client to exit", shows("exited with")).then((lines) => lines.find((line) => line.startsWith("exited with")));

beforeAll(() => ensureBinaries(), 120_000);
afterEach(async () => {
  terminal.close();
  await Promise.all(servers.splice(0).map((each) => each.stop()));
});
afterAll(() => removeAll(dirs));

test("the server is waited for before the password is asked; a short password is refused by the client; a new password is typed twice", async () => {
  const port = freePort();
  terminal.open("erin", "erin", { server: { port }, configHome: dir("chat-e2e-erin-") });
  await terminal.waitFor("erin", "the wait for the server", shows(`Cannot reach the chat server at 127.0.0.1:${port}`));
  expect(terminal.screen("erin").some((line) => line.includes("Password for"))).toBe(false);

  const chat = await server(port);
  await terminal.waitFor("erin", "the password prompt once the server answers", shows("Password for erin"));
  terminal.keys("erin", "short", true);
  await terminal.waitFor("erin", "the client's own sentence", shows("A password has at least 8 characters."));
  terminal.keys("erin", "\x7f".repeat(5));
  terminal.keys("erin", PASSWORD, true);
  await terminal.waitFor("erin", "the registration question", shows("Create it with this password?"));
  terminal.keys("erin", "", true);
  await terminal.waitFor("erin", "the second typing of the password", shows("Type the password for erin again"));
  terminal.keys("erin", "a different password", true);
  await terminal.waitFor("erin", "the passwords differing", shows("The two passwords differ; choose the password again."));
  terminal.keys("erin", PASSWORD, true);
  await terminal.waitFor("erin", "the second question again", (lines) => lines.filter((line) => line.includes("Type the password for erin again")).length === 2);
  terminal.keys("erin", PASSWORD, true);
  await terminal.waitFor("erin", "the chat prompt", (lines) => shows("Connected to")(lines) && lastLine(lines) === ">");
  expect(terminal.screen("erin").join("\n")).not.toContain("Invalid body");

  // The account has the password typed twice.
  expect((await runClient("erin", { server: chat, configHome: dir("chat-e2e-erin-2-") }, [])).code).toBe(0);
});

test("a wrong password is asked again, three tries in all", async () => {
  // Five wrong passwords in a row would lock the name for a minute (--login-failures).
  const chat = await server(undefined, ["--login-failures", "10"]);
  expect((await runClient("dave", { server: chat, configHome: dir("chat-e2e-dave-") }, [])).code).toBe(0);

  terminal.open("three-wrong", "dave", { server: chat, configHome: dir("chat-e2e-dave-b-") });
  for (const left of ["2 tries left", "1 try left"]) {
    // clack marks the question being asked with ◆, answered ones with ◇.
    await terminal.waitFor("three-wrong", "the password prompt", (lines) => lines.some((line) => line.startsWith("◆  Password for dave")));
    terminal.keys("three-wrong", "not the password", true);
    await terminal.waitFor("three-wrong", left, shows(`Wrong password for dave; ${left}.`));
  }
  terminal.keys("three-wrong", "still not the password", true);
  expect(await exitedWith("three-wrong")).toBe("exited with 1");
  expect(terminal.screen("three-wrong").join("\n")).toContain("Wrong password for dave on");

  terminal.open("second-try", "dave", { server: chat, configHome: dir("chat-e2e-dave-a-") });
  await terminal.waitFor("second-try", "the password prompt", shows("Password for dave"));
  terminal.keys("second-try", "not the password", true);
  await terminal.waitFor("second-try", "a second chance", shows("Wrong password for dave; 2 tries left."));
  terminal.keys("second-try", PASSWORD, true);
  await terminal.waitFor("second-try", "the chat prompt", (lines) => shows("Connected to")(lines) && lastLine(lines) === ">");
});

test("/logout logs this device out, says so and exits 0; the next start asks for the password", async () => {
  const chat = await server();
  const home = dir("chat-e2e-bob-");
  expect((await runClient("bob", { server: chat, configHome: home }, [])).code).toBe(0);
  terminal.open("bob", "bob", { server: chat, configHome: home });
  await terminal.waitFor("bob", "the chat prompt", (lines) => shows("Connected to")(lines) && lastLine(lines) === ">");

  terminal.keys("bob", "/logout", true);
  expect(await exitedWith("bob")).toBe("exited with 0");
  const screen = terminal.screen("bob").join("\n");
  expect(screen).toContain("This device is logged out; the next start asks for the password.");
  expect(screen).not.toContain("from another device");
  expect(screen).not.toContain("Password for");

  const again = await runClient("bob", { server: chat, configHome: home, password: "" }, []);
  expect(again.code).toBe(1);
  expect(again.stderr.join("\n")).toContain("No password for bob");
});
