/** The certificate authorities trusted for an https:// or wss:// server, in the shape of Bun's `tls` option to fetch and WebSocket. */
export interface TlsTrust {
  ca: string[];
}
