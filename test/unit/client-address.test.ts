import { describe, expect, test } from "bun:test";
import { parseServerAddress, ServerAddressError } from "../../src/client/sdk/address.ts";

describe("server address", () => {
  test("host:port means plain HTTP and WebSocket on that port", () => {
    expect(parseServerAddress("localhost:8080")).toEqual({
      http: "http://localhost:8080",
      ws: "ws://localhost:8080/ws",
      display: "localhost:8080",
      key: "localhost_8080",
    });
  });

  test("a bare host gets the default port 8080", () => {
    expect(parseServerAddress("chat.example.org").ws).toBe("ws://chat.example.org:8080/ws");
  });

  test("http(s) URLs keep their scheme's default port", () => {
    expect(parseServerAddress("https://chat.example.org")).toMatchObject({
      http: "https://chat.example.org",
      ws: "wss://chat.example.org/ws",
      display: "chat.example.org:443",
    });
    expect(parseServerAddress("http://example.org").ws).toBe("ws://example.org/ws");
  });

  test("https://host:port means TLS for both: https for the API and wss://host:port/ws for the chat", () => {
    expect(parseServerAddress("https://127.0.0.1:8443")).toMatchObject({
      http: "https://127.0.0.1:8443",
      ws: "wss://127.0.0.1:8443/ws",
      display: "127.0.0.1:8443",
    });
    expect(parseServerAddress("wss://127.0.0.1:8443").http).toBe("https://127.0.0.1:8443");
  });

  test("ws(s) URLs with or without the /ws path name the same server", () => {
    const withPath = parseServerAddress("ws://10.0.0.5:9000/ws");
    const without = parseServerAddress("ws://10.0.0.5:9000");
    expect(withPath).toEqual(without);
    expect(withPath.http).toBe("http://10.0.0.5:9000");
    expect(parseServerAddress("wss://example.org/ws").http).toBe("https://example.org");
  });

  test("a path prefix behind a reverse proxy is kept for both HTTP and WebSocket", () => {
    expect(parseServerAddress("https://example.org/chat/")).toMatchObject({
      http: "https://example.org/chat",
      ws: "wss://example.org/chat/ws",
    });
    expect(parseServerAddress("wss://example.org/chat/ws").http).toBe("https://example.org/chat");
  });

  test("IPv6 literals work", () => {
    expect(parseServerAddress("[::1]:8080").ws).toBe("ws://[::1]:8080/ws");
  });

  test("secure and plain servers on one host get different state-file keys", () => {
    expect(parseServerAddress("https://example.org:8443").key).not.toBe(parseServerAddress("http://example.org:8443").key);
    expect(parseServerAddress("[::1]:8080").key).toMatch(/^[a-z0-9._-]+$/);
  });

  test.each(["", "   ", "ftp://example.org", "http://user:pw@example.org", "localhost:99999", "http://example.org/?a=1", "exa mple:80"])(
    "refuses %p with a sentence naming the accepted forms",
    (input) => {
      expect(() => parseServerAddress(input)).toThrow(ServerAddressError);
      expect(() => parseServerAddress(input)).toThrow(/host:port/);
    },
  );
});
