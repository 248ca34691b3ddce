import { describe, expect, test } from "bun:test";
import { canonicalAddress, CidrError, clientAddress, forwardedFor, isLoopbackAddress, isTrusted, parseCidrList } from "../../src/server/proxy-trust.ts";

const headers = (values: Record<string, string>) => new Headers(values);

describe("trusted proxy networks", () => {
  test("IPv4 and IPv6 networks and single addresses", () => {
    const trusted = parseCidrList("10.0.0.0/8, 192.168.1.7,2001:db8::/32, ::1");
    expect(isTrusted("10.255.3.4", trusted)).toBe(true);
    expect(isTrusted("11.0.0.1", trusted)).toBe(false);
    expect(isTrusted("192.168.1.7", trusted)).toBe(true);
    expect(isTrusted("192.168.1.8", trusted)).toBe(false);
    expect(isTrusted("2001:db8:ffff::1", trusted)).toBe(true);
    expect(isTrusted("2001:db9::1", trusted)).toBe(false);
    expect(isTrusted("::1", trusted)).toBe(true);
    expect(isTrusted("::2", trusted)).toBe(false);
  });

  test("prefixes that do not fall on a byte boundary", () => {
    const trusted = parseCidrList("172.16.0.0/12,fd00::/7");
    expect(isTrusted("172.31.255.255", trusted)).toBe(true);
    expect(isTrusted("172.32.0.0", trusted)).toBe(false);
    expect(isTrusted("fc00::1", trusted)).toBe(true);
    expect(isTrusted("fe00::1", trusted)).toBe(false);
  });

  test("an IPv4 network matches the IPv4-mapped IPv6 spelling of its addresses, and the other way round", () => {
    expect(isTrusted("::ffff:127.0.0.1", parseCidrList("127.0.0.1/32"))).toBe(true);
    expect(isTrusted("::ffff:7f00:1", parseCidrList("127.0.0.0/8"))).toBe(true);
    expect(isTrusted("127.0.0.1", parseCidrList("::ffff:127.0.0.0/104"))).toBe(true);
    expect(isTrusted("::ffff:128.0.0.1", parseCidrList("127.0.0.0/8"))).toBe(false);
  });

  test("0.0.0.0/0 trusts every IPv4 address and ::/0 every address", () => {
    expect(isTrusted("203.0.113.9", parseCidrList("0.0.0.0/0"))).toBe(true);
    expect(isTrusted("2001:db8::1", parseCidrList("0.0.0.0/0"))).toBe(false);
    expect(isTrusted("2001:db8::1", parseCidrList("::/0"))).toBe(true);
  });

  test("an empty list trusts nobody", () => {
    expect(parseCidrList("")).toEqual([]);
    expect(parseCidrList(" , ")).toEqual([]);
  });

  test.each(["10.0.0.0/33", "::/129", "10.0.0.0/8/8", "10.0.0/8", "localhost", "10.0.0.0/-1", "10.0.0.0/", "1.2.3.4.5", "2001:db8::g/32"])(
    "%j is refused with a sentence naming it",
    (entry) => {
      expect(() => parseCidrList(`127.0.0.1/32,${entry}`)).toThrow(CidrError);
      expect(() => parseCidrList(`127.0.0.1/32,${entry}`)).toThrow(`'${entry}'`);
    },
  );

  test("loopback: 127.0.0.0/8 and ::1, in any spelling", () => {
    for (const address of ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"]) expect(isLoopbackAddress(address)).toBe(true);
    for (const address of ["10.0.0.1", "::2", "::ffff:10.0.0.1", "unknown"]) expect(isLoopbackAddress(address)).toBe(false);
  });

  test("an IPv4-mapped address is written as IPv4, every other address as it came", () => {
    expect(canonicalAddress("::ffff:203.0.113.9")).toBe("203.0.113.9");
    expect(canonicalAddress("203.0.113.9")).toBe("203.0.113.9");
    expect(canonicalAddress("2001:db8::1")).toBe("2001:db8::1");
  });
});

describe("the client's address", () => {
  const proxies = parseCidrList("127.0.0.1/32,10.0.0.0/8");

  test("without trusted proxies the headers are ignored", () => {
    expect(clientAddress("127.0.0.1", headers({ "x-forwarded-for": "203.0.113.9", forwarded: "for=203.0.113.9" }), [])).toBe("127.0.0.1");
  });

  test("from a peer that is not trusted the headers are ignored", () => {
    expect(clientAddress("198.51.100.4", headers({ "x-forwarded-for": "203.0.113.9" }), proxies)).toBe("198.51.100.4");
    expect(clientAddress("::ffff:198.51.100.4", headers({ forwarded: "for=203.0.113.9" }), proxies)).toBe("198.51.100.4");
  });

  test("from a trusted proxy: the right-most X-Forwarded-For address that is not a trusted proxy", () => {
    // A client may send any X-Forwarded-For; its proxy appends the address it saw, so only that one is believed.
    expect(clientAddress("127.0.0.1", headers({ "x-forwarded-for": "1.1.1.1, 203.0.113.9" }), proxies)).toBe("203.0.113.9");
    expect(clientAddress("127.0.0.1", headers({ "x-forwarded-for": "1.1.1.1, 203.0.113.9, 10.1.2.3" }), proxies)).toBe("203.0.113.9");
    expect(clientAddress("::ffff:127.0.0.1", headers({ "x-forwarded-for": "::ffff:203.0.113.9" }), proxies)).toBe("203.0.113.9");
    expect(clientAddress("127.0.0.1", headers({ "x-forwarded-for": "2001:db8::7" }), proxies)).toBe("2001:db8::7");
  });

  test("ports and brackets that some proxies write are taken off", () => {
    expect(clientAddress("127.0.0.1", headers({ "x-forwarded-for": "203.0.113.9:51234" }), proxies)).toBe("203.0.113.9");
    expect(clientAddress("127.0.0.1", headers({ "x-forwarded-for": "[2001:db8::7]:443" }), proxies)).toBe("2001:db8::7");
  });

  test("every hop a trusted proxy: the first one", () => {
    expect(clientAddress("127.0.0.1", headers({ "x-forwarded-for": "10.0.0.2, 10.0.0.3" }), proxies)).toBe("10.0.0.2");
  });

  test("a hop that is not an address stops at the proxy that wrote it", () => {
    expect(clientAddress("127.0.0.1", headers({ "x-forwarded-for": "203.0.113.9, garbage" }), proxies)).toBe("127.0.0.1");
    expect(clientAddress("127.0.0.1", headers({ "x-forwarded-for": "garbage, 10.0.0.5" }), proxies)).toBe("10.0.0.5");
    expect(clientAddress("127.0.0.1", headers({ "x-forwarded-for": "" }), proxies)).toBe("127.0.0.1");
  });

  test("RFC 7239 Forwarded: for=, quoted IPv6 with a port, other parameters, several elements", () => {
    expect(clientAddress("127.0.0.1", headers({ forwarded: "for=203.0.113.9;proto=https;by=10.0.0.1" }), proxies)).toBe("203.0.113.9");
    expect(clientAddress("127.0.0.1", headers({ forwarded: 'for=1.1.1.1, For="[2001:db8:cafe::17]:4711"' }), proxies)).toBe("2001:db8:cafe::17");
    expect(clientAddress("127.0.0.1", headers({ forwarded: "for=203.0.113.9, for=10.0.0.8" }), proxies)).toBe("203.0.113.9");
    expect(clientAddress("127.0.0.1", headers({ forwarded: "for=unknown" }), proxies)).toBe("127.0.0.1");
    expect(clientAddress("127.0.0.1", headers({ forwarded: "proto=https" }), proxies)).toBe("127.0.0.1");
  });

  test("Forwarded elements are split on commas outside quotes only", () => {
    expect(forwardedFor('for="_a,b";proto=http, for=203.0.113.9')).toEqual([undefined, "203.0.113.9"]);
  });

  test("both headers naming the same client: that client; different clients: neither is believed", () => {
    expect(clientAddress("127.0.0.1", headers({ forwarded: "for=203.0.113.9", "x-forwarded-for": "203.0.113.9" }), proxies)).toBe("203.0.113.9");
    expect(clientAddress("127.0.0.1", headers({ forwarded: "for=1.1.1.1", "x-forwarded-for": "203.0.113.9" }), proxies)).toBe("127.0.0.1");
  });
});
