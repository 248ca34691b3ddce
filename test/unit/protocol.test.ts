import { describe, expect, test } from "bun:test";
import { ClientFrame, Credentials, Name, Recipient, ServerFrame } from "../../src/protocol/index.ts";
import { renderProtocolDoc } from "../../src/protocol/docgen.ts";

describe("name rules", () => {
  test.each(["alice", "bob_2", "a.b-c", "x".repeat(32)])("accepts %p", (name) => {
    expect(Name.parse(name)).toBe(name);
  });
  test("lower-cases and trims, so case does not make a second account", () => {
    expect(Name.parse("  Alice ")).toBe("alice");
  });
  test.each(["ab", "x".repeat(33), "1alice", "al ice", "al/ice", "élise", "", "alice\u202e"])("refuses %p", (name) => {
    expect(Name.safeParse(name).success).toBe(false);
  });
  test("a recipient is a user or a #group", () => {
    expect(Recipient.parse("#Team")).toBe("#team");
    expect(Recipient.safeParse("#a").success).toBe(false);
    expect(Recipient.safeParse("##team").success).toBe(false);
  });
});

describe("client frames", () => {
  test.each([
    { type: "hello", id: "h1" },
    { type: "hello", id: "h1", cursors: { "12": 40 } },
    { type: "send", id: "m1", to: "bob", text: "hi" },
    { type: "send", id: "m1", to: "#team", text: "hi" },
    { type: "received", conv: 1, seq: 0 },
    { type: "read", conv: 1, seq: 5 },
    { type: "typing", to: "bob" },
  ])("accepts %j", (frame) => {
    expect(ClientFrame.safeParse(frame).success).toBe(true);
  });

  test.each([
    { type: "send", id: "m1", to: "bob" },
    { type: "send", id: "m1", to: "bob", text: "" },
    { type: "send", id: "has space", to: "bob", text: "hi" },
    { type: "send", id: "x".repeat(65), to: "bob", text: "hi" },
    { type: "send", id: "m1", to: "b", text: "hi" },
    { type: "received", conv: 0, seq: 1 },
    { type: "received", conv: 1, seq: -1 },
    { type: "read", conv: 1.5, seq: 1 },
    { type: "hello", id: "h1", cursors: { abc: 1 } },
    { type: "nope" },
    { id: "m1" },
    "a string",
    42,
    null,
  ])("refuses %j", (frame) => {
    expect(ClientFrame.safeParse(frame).success).toBe(false);
  });

  test("drops a claimed sender instead of trusting it", () => {
    const parsed = ClientFrame.parse({ type: "send", id: "m1", to: "bob", text: "hi", from: "mallory", sender: "mallory" });
    expect(parsed).toEqual({ type: "send", id: "m1", to: "bob", text: "hi" });
  });
});

describe("server frames", () => {
  test("an error frame needs a known code", () => {
    expect(ServerFrame.safeParse({ type: "error", code: "unknown_user", message: "no" }).success).toBe(true);
    expect(ServerFrame.safeParse({ type: "error", code: "made_up", message: "no" }).success).toBe(false);
  });
});

describe("credentials", () => {
  test("a password has 8 to 256 characters", () => {
    expect(Credentials.safeParse({ name: "alice", password: "short" }).success).toBe(false);
    expect(Credentials.safeParse({ name: "alice", password: "x".repeat(257) }).success).toBe(false);
    expect(Credentials.safeParse({ name: "alice", password: "long enough" }).success).toBe(true);
  });
});

describe("docs/protocol.md", () => {
  test("is what the schemas render (run `bun run docs` after changing src/protocol)", async () => {
    expect(await Bun.file(`${import.meta.dir}/../../docs/protocol.md`).text()).toBe(renderProtocolDoc());
  });
});
