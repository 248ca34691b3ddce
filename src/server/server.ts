import type { Bus } from "../bus/bus.ts";
import type { Store } from "../store/store.ts";
import type { BlobStore } from "../store/blobs/blob-store.ts";
import { fileBlobStore } from "../store/blobs/file-blobs.ts";
import { Attachments } from "../services/attachments.ts";
import { Accounts, type PasswordHasher } from "../services/accounts.ts";
import { Directory } from "../services/directory.ts";
import { Groups } from "../services/groups.ts";
import { Messaging } from "../services/messaging.ts";
import { LocalOnlineRegistry, PresenceService } from "../services/presence.ts";
import { Receipts } from "../services/receipts.ts";
import { Typing } from "../services/typing.ts";
import { DeviceActivity } from "../services/device-activity.ts";
import { startSearchIndexer } from "../services/search-indexer.ts";
import { startSweeps } from "../services/sweeps.ts";
import type { ReportProblem } from "../services/problems.ts";
import { LoginThrottle } from "../services/login-throttle.ts";
import { Contacts } from "../services/contacts.ts";
import { failingOpen, MemoryRateLimiter, type RateLimiter } from "../services/rate-limiter.ts";
import type { OnlineRegistry } from "../services/presence.ts";
import type { BucketRate } from "../domain/token-bucket.ts";
import { CLOSE_CODES, ChatError } from "../protocol/index.ts";
import type { ServerConfig } from "./config.ts";
import { ChatMetrics } from "./chat-metrics.ts";
import { Connections, type ChatSocket, type SocketState } from "./connections.ts";
import { asChatError, errorAnswer } from "./errors.ts";
import { Heartbeat } from "./heartbeat.ts";
import { StoreWriteHealth } from "./readiness.ts";
import { isStoreUnavailable, STORE_WRITE_METHODS } from "../store/unavailable.ts";
import { bearerToken, httpApp } from "./http.ts";
import { MAX_REQUEST_BODY_BYTES } from "./request-body.ts";
import { createLogger, type Logger } from "./log.ts";
import { operationsRoutes } from "./operations.ts";
import { mainPortMetricsGuard, startMetricsListener } from "./metrics-access.ts";
import { clientAddress } from "./proxy-trust.ts";
import { TrafficLimits } from "./traffic-limits.ts";
import { webSocketHandler } from "./websocket.ts";
import { webSocketCookieToken } from "./browser-session.ts";
import { hotReloadRoutes, SECURITY_HEADERS } from "./web-app.ts";


export interface ChatServer {
  port: number;
  /** The port of --metrics-port, when set. */
  metricsPort: number | undefined;
  /** Stops accepting, closes every socket with "going away", commits pending writes, closes the drivers. */
  stop(): Promise<void>;
}

export interface Drivers {
  store: Store;
  bus: Bus;
  /** Where attachments' bytes live: files under the data directory when absent. */
  blobs?: BlobStore;
  /** Who is online on any server; this server's own count when absent (one server). */
  online?: OnlineRegistry;
  /** Token buckets every server shares, so limits hold per user rather than per server; in memory when absent. */
  rateLimiter?: (purpose: string, rate: BucketRate) => RateLimiter;
  /** How new passwords are hashed: argon2id at Bun's default cost when absent (tests use a cheaper cost). */
  hashPassword?: PasswordHasher;
}

/**
 * The limits against floods and password guessing. With a shared limiter (Redis)
 * they hold across servers; one that cannot answer lets requests through.
 */
function abuseLimits(
  config: ServerConfig,
  shared: Drivers["rateLimiter"],
  log: Logger,
): { limits: TrafficLimits; logins: LoginThrottle; groupAdds: RateLimiter | undefined } {
  const limiter = shared
    ? (purpose: string, rate: BucketRate) =>
        failingOpen(shared(purpose, rate), rate, (available, error) =>
          available
            ? log.info("shared rate limiter answers again; limits hold across servers", { purpose })
            : log.warn("shared rate limiter unavailable; limits hold per server until it answers", { purpose, error: String(error) }),
        )
    : (_purpose: string, rate: BucketRate) => new MemoryRateLimiter(rate);
  const limits = new TrafficLimits(
    config.connectionFrameRate > 0 ? { capacity: config.connectionFrameBurst, perSecond: config.connectionFrameRate } : undefined,
    config.userMessageRate > 0 ? limiter("messages", { capacity: config.userMessageBurst, perSecond: config.userMessageRate }) : undefined,
  );
  const logins = new LoginThrottle({
    attemptsPerAddress:
      config.authAttemptsPerMinute > 0
        ? limiter("auth-address", { capacity: config.authAttemptsPerMinute, perSecond: config.authAttemptsPerMinute / 60 })
        : undefined,
    failuresPerName:
      config.loginFailures > 0 ? limiter("login-name-address", { capacity: config.loginFailures, perSecond: 1 / config.loginLockoutSeconds }) : undefined,
    failuresPerNameEverywhere:
      config.loginNameFailures > 0 ? limiter("login-name", { capacity: config.loginNameFailures, perSecond: 1 / config.loginLockoutSeconds }) : undefined,
  });
  const groupAdds = config.groupAddsPerHour > 0 ? limiter("group-adds", { capacity: config.groupAddsPerHour, perSecond: config.groupAddsPerHour / 3600 }) : undefined;
  return { limits, logins, groupAdds };
}

/** Devices' "last active" times are saved this often. */
const ACTIVITY_FLUSH_MS = 1000;
/** How often the devices with a socket here are checked against the store, to close those logged out from elsewhere. */
const LOGGED_OUT_SWEEP_MS = 2000;

/** Device cursors and delivered marks are saved this often (✓✓ itself goes out at once). */
const ACK_FLUSH_MS = 100;
/** Under load, one commit of messages per this many milliseconds at most (bench/README.md: CPU per durable message). */
const BUSY_COMMIT_GAP_MS = 10;

/** Wires the services to Bun.serve: Hono for HTTP, Bun's WebSocket server for chat. */
export async function startChatServer(
  config: ServerConfig,
  drivers: Drivers,
  log: Logger = createLogger({ format: config.logFormat, level: config.logLevel }),
): Promise<ChatServer> {
  const { bus } = drivers;
  await bus.ready();
  const heartbeat = new Heartbeat<ChatSocket>(config.deadAfterSeconds * 1000, (ws) =>
    log.warn("connection dead: no answer to pings", { user: ws.data.actor.name, device: ws.data.actor.deviceId }),
  );
  const metrics = new ChatMetrics({
    connections: () => heartbeat.size,
    devices: (): number => connections.size,
    bufferedBytes: () => [...heartbeat.sockets()].reduce((total, ws) => total + ws.getBufferedAmount(), 0),
  });
  // Reads may work while writes fail (a full disk): readiness also watches the writes.
  const writeHealth = new StoreWriteHealth(isStoreUnavailable, new Set<string>(STORE_WRITE_METHODS));
  const store = writeHealth.watch(metrics.meterStore(drivers.store));
  const reportProblem: ReportProblem = (what, error) => log.error(what, { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  const connections = metrics.meterFanout(new Connections(bus, reportProblem));
  const { limits, logins, groupAdds } = abuseLimits(config, drivers.rateLimiter, log);
  const directory = new Directory(store);
  const accounts = new Accounts(store, { maxDevices: config.maxDevices, registration: config.registration, nameReuseDays: config.nameReuseDays }, drivers.hashPassword);
  const presence = new PresenceService(store, drivers.online ?? new LocalOnlineRegistry(), connections, config.presenceSettleMs, reportProblem);
  const contacts = new Contacts(store, directory, connections, presence, (a, b) => receipts.shareMarks(a, b), reportProblem);
  const receipts = new Receipts(store, directory, connections, contacts, config.groupReceiptDelayMs, reportProblem);
  const attachments = new Attachments(store, drivers.blobs ?? fileBlobStore(config.dataDir), { maxBytes: config.maxAttachmentBytes }, reportProblem);
  const messaging = new Messaging(store, directory, connections, receipts, contacts, { maxTextLength: config.maxMessageLength, policy: { editWindowMs: config.editWindowMinutes * 60_000, deleteWindowMs: config.deleteWindowHours * 3_600_000 }, ackFlushMs: ACK_FLUSH_MS, busyCommitGapMs: BUSY_COMMIT_GAP_MS, maxQueuedMessages: config.maxQueuedMessages, reportProblem, attachments });
  const groups = new Groups(store, directory, connections, messaging, contacts, { maxMembers: config.maxGroupMembers, maxGroupsPerUser: config.maxGroupsPerUser, adds: groupAdds });
  const typing = new Typing(store, directory, connections, contacts);
  const activity = new DeviceActivity(store, ACTIVITY_FLUSH_MS, reportProblem);
  const peerAddress = (request: Request): string | undefined => server.requestIP(request)?.address;
  // Per-address limits and logs count the client, not a trusted proxy in front of it.
  const requestClient = (request: Request): string => clientAddress(peerAddress(request) ?? "unknown", request.headers, config.trustProxy);
  const app = httpApp({ accounts, messaging, attachments, groups, contacts, connections, logins, metrics, log, clientAddress: requestClient, secure: config.tls !== undefined });
  app.route(
    "/",
    operationsRoutes({
      metrics,
      log,
      probes: { store: writeHealth.probe(() => store.ping()), bus: () => bus.ping() },
      metricsGuard: mainPortMetricsGuard(config, peerAddress),
    }),
  );
  // Before the timers start: a metrics port in use stops the start with nothing left running.
  const metricsListener = config.metricsPort === undefined ? undefined : startMetricsListener(config.metricsPort, config, metrics, log);
  const sweeps = startSweeps(store, config.retentionDays, reportProblem);
  attachments.startSweep();
  // Devices logged out from another process (chat-server admin deactivate or reset-password, another server)
  // lose their socket here within a sweep: their token is gone from the store.
  const loggedOutSweep = setInterval(() => {
    const connected = connections.connectedDevices();
    if (connected.length === 0) return;
    store.existingDevices(connected.map((device) => device.deviceId)).then(
      (existing) => {
        const still = new Set(existing);
        for (const { userId, deviceId } of connected) {
          if (!still.has(deviceId)) connections.disconnect(userId, deviceId, CLOSE_CODES.revoked, "this device was logged out");
        }
      },
      (error) => reportProblem("checking for logged-out devices failed", error),
    );
  }, LOGGED_OUT_SWEEP_MS);
  loggedOutSweep.unref();
  const searchIndexer = startSearchIndexer(store, () => messaging.quietForMs, reportProblem);

  const server = Bun.serve({
    ...hotReloadRoutes(),
    port: config.port,
    hostname: config.host,
    ...(config.tls ? { tls: { cert: Bun.file(config.tls.cert), key: Bun.file(config.tls.key) } } : {}),
    // Bun's default is 128 MB. Uploads may be as large as an attachment; every other body is held
    // to MAX_REQUEST_BODY_BYTES by the app (the largest, a group of 10,000 names, is well under it).
    maxRequestBodySize: Math.max(MAX_REQUEST_BODY_BYTES, config.maxAttachmentBytes + MAX_REQUEST_BODY_BYTES),
    async fetch(request, server) {
      if (new URL(request.url).pathname !== "/ws") return app.fetch(request, server);
      try {
        // A browser cannot set Authorization on a WebSocket: it sends its session cookie, from this server's own page.
        const token = bearerToken(request.headers.get("authorization")) ?? webSocketCookieToken(request);
        if (!token) throw new ChatError("unauthorized", "The WebSocket needs 'Authorization: Bearer <token>' from login (or a browser's session cookie).");
        const actor = await accounts.authenticate(token);
        const state: SocketState = { actor, ready: false, topics: [], address: requestClient(request) };
        if (server.upgrade(request, { data: state })) return undefined;
        throw new ChatError("bad_request", "This path takes WebSocket upgrades only.");
      } catch (error) {
        const chatError = asChatError(error, log);
        metrics.errors.inc({ code: chatError.code });
        const { body, status, headers } = errorAnswer(chatError);
        return Response.json(body, { status, headers: { ...SECURITY_HEADERS, ...headers } });
      }
    },
    websocket: webSocketHandler({ messaging, presence, activity, typing, connections, maxFrameBytes: config.maxFrameBytes, maxBufferedBytes: config.maxBufferedBytes, limits, heartbeat, metrics, log }),
  });
  connections.attach(server);
  log.info("server started", { port: server.port, tls: config.tls !== undefined });

  return {
    port: server.port!,
    metricsPort: metricsListener?.port,
    async stop() {
      log.info("server stopping: closing connections with 'going away'", { connections: heartbeat.size });
      sweeps.stop();
      clearInterval(loggedOutSweep);
      await searchIndexer.stop();
      heartbeat.stop();
      presence.stop();
      connections.closeAll("server shutting down");
      await Promise.all([server.stop(), metricsListener?.stop()]);
      await presence.drained();
      await activity.stop();
      await messaging.flush();
      await receipts.stop();
      await attachments.stop();
      await bus.close();
      await store.close();
    },
  };
}
