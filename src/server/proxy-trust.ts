import { isIPv4, isIPv6 } from "node:net";

/**
 * Which peers may tell the server who the client is (`--trust-proxy`), and who the client then is.
 * Addresses are kept as 16 bytes, IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d), so one rule matches a
 * client however the socket reports it (a server on `::` sees IPv4 clients as ::ffff:…).
 */

/** A network: its address bytes and how many leading bits count. */
export interface Cidr {
  bytes: Uint8Array;
  bits: number;
}

const V4_MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** Thrown for a `--trust-proxy` entry that is not an address or a network; the message names it. */
export class CidrError extends Error {}

function v4Bytes(address: string): number[] {
  return address.split(".").map(Number);
}

/** The 16 bytes of an IPv4 or IPv6 address (IPv4 as IPv4-mapped), or undefined when it is neither. */
export function addressBytes(address: string): Uint8Array | undefined {
  if (isIPv4(address)) return Uint8Array.from([...V4_MAPPED_PREFIX, ...v4Bytes(address)]);
  if (!isIPv6(address)) return undefined;
  let text = address;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".")) {
    tail.push(...v4Bytes(text.slice(lastColon + 1)));
    text = text.slice(0, lastColon + 1) + "0:0";
  }
  const [head = "", rest] = text.split("::");
  const groupsOf = (part: string) => (part === "" ? [] : part.split(":").map((group) => parseInt(group, 16)));
  const left = groupsOf(head);
  const right = rest === undefined ? [] : groupsOf(rest);
  const groups = [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  const bytes = groups.flatMap((group) => [group >> 8, group & 0xff]);
  if (tail.length > 0) bytes.splice(12, 4, ...tail);
  return Uint8Array.from(bytes);
}

/** An address in one spelling per client: IPv4-mapped IPv6 as plain IPv4, so both count as the same client. */
export function canonicalAddress(address: string): string {
  const bytes = addressBytes(address);
  if (!bytes || !V4_MAPPED_PREFIX.every((byte, index) => bytes[index] === byte)) return address;
  return [...bytes.subarray(12)].join(".");
}

/** `10.0.0.0/8`, `2001:db8::/32`, or a single address (`127.0.0.1`, `::1`). */
export function parseCidr(entry: string): Cidr {
  const [address = "", prefix, extra] = entry.split("/");
  const bytes = addressBytes(address);
  if (!bytes || extra !== undefined) throw new CidrError(`'${entry}' is not an IPv4 or IPv6 address or network (such as 10.0.0.0/8 or fd00::/8)`);
  const max = isIPv4(address) ? 32 : 128;
  if (prefix === undefined) return { bytes, bits: 128 };
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) throw new CidrError(`'${entry}' has a prefix length outside 0 to ${max}`);
  return { bytes, bits: Number(prefix) + (128 - max) };
}

/** A comma-separated list of networks; empty means no proxy is trusted. Throws CidrError. */
export function parseCidrList(list: string): Cidr[] {
  return list
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "")
    .map(parseCidr);
}

function contains(cidr: Cidr, bytes: Uint8Array): boolean {
  for (let bit = 0; bit < cidr.bits; bit += 8) {
    const mask = cidr.bits - bit >= 8 ? 0xff : (0xff << (8 - (cidr.bits - bit))) & 0xff;
    if ((cidr.bytes[bit / 8]! & mask) !== (bytes[bit / 8]! & mask)) return false;
  }
  return true;
}

const LOOPBACK = [parseCidr("127.0.0.0/8"), parseCidr("::1/128")];

export function isTrusted(address: string, trusted: readonly Cidr[]): boolean {
  const bytes = addressBytes(address);
  return bytes !== undefined && trusted.some((cidr) => contains(cidr, bytes));
}

/** Splits on commas (or `separator`) outside double quotes. */
function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (char === '"') quoted = !quoted;
    if (char === "\\" && quoted) {
      current += char + (text[++index] ?? "");
      continue;
    }
    if (char === separator && !quoted) {
      parts.push(current);
      current = "";
    } else current += char;
  }
  parts.push(current);
  return parts.map((part) => part.trim());
}

/** The address of a node as proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `::1`, `[::1]`, `[::1]:5678`; undefined otherwise. */
function nodeAddress(node: string): string | undefined {
  const bracketed = node.match(/^\[([^\]]+)\](?::\d+)?$/);
  const candidate = bracketed ? bracketed[1]! : (node.match(/^(\d+\.\d+\.\d+\.\d+):\d+$/)?.[1] ?? node);
  return addressBytes(candidate) ? candidate : undefined;
}

/** The `for=` nodes of RFC 7239 `Forwarded`, first hop first; an element without a usable `for=` is undefined. */
export function forwardedFor(header: string): Array<string | undefined> {
  return splitOutsideQuotes(header, ",").map((element) => {
    for (const pair of splitOutsideQuotes(element, ";")) {
      const match = pair.match(/^for\s*=\s*(.*)$/i);
      if (!match) continue;
      const value = match[1]!.startsWith('"') ? match[1]!.slice(1, -1).replace(/\\(.)/g, "$1") : match[1]!;
      return nodeAddress(value);
    }
    return undefined;
  });
}

/** The nodes of `X-Forwarded-For`, first hop first. */
export function xForwardedFor(header: string): Array<string | undefined> {
  return header.split(",").map((node) => nodeAddress(node.trim()));
}

/**
 * Walks a chain of forwarding hops from the nearest: every trusted proxy vouches for the hop before it; the
 * first address that is not trusted is the client. A hop that is not an address (`unknown`, an obfuscated
 * name, garbage) ends the walk at the last proxy that vouched for it.
 */
function firstUntrusted(peer: string, chain: Array<string | undefined>, trusted: readonly Cidr[]): string {
  let client = peer;
  for (let index = chain.length - 1; index >= 0; index--) {
    const hop = chain[index];
    if (hop === undefined) return client;
    client = hop;
    if (!isTrusted(hop, trusted)) return client;
  }
  return client;
}

/**
 * Who sent a request: the socket's peer, unless that peer is a trusted proxy; then the right-most address of
 * `Forwarded: for=` or `X-Forwarded-For` that is not itself a trusted proxy. A request carrying both headers
 * that name different clients is believed in neither (a proxy that sets one usually passes the other on from
 * the client as it came), and counts as the proxy's own.
 */
export function clientAddress(peer: string, headers: { get(name: string): string | null }, trusted: readonly Cidr[]): string {
  const canonicalPeer = canonicalAddress(peer);
  if (trusted.length === 0 || !isTrusted(peer, trusted)) return canonicalPeer;
  const forwarded = headers.get("forwarded");
  const xff = headers.get("x-forwarded-for");
  const fromForwarded = forwarded === null ? undefined : firstUntrusted(canonicalPeer, forwardedFor(forwarded), trusted);
  const fromXff = xff === null ? undefined : firstUntrusted(canonicalPeer, xForwardedFor(xff), trusted);
  if (fromForwarded !== undefined && fromXff !== undefined && canonicalAddress(fromForwarded) !== canonicalAddress(fromXff)) return canonicalPeer;
  return canonicalAddress(fromForwarded ?? fromXff ?? canonicalPeer);
}

/** Whether only this machine can have sent from the address (127.0.0.0/8, ::1, or their IPv4-mapped forms). */
export function isLoopbackAddress(address: string): boolean {
  return isTrusted(address, LOOPBACK);
}
