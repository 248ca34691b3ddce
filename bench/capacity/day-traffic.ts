import { mapLimit } from "../drivers/driver.ts";
import type { TargetRef } from "../loadgen/job.ts";
import { DeliveryLedger } from "../loadgen/ledger.ts";
import { messageId, parseMessageId } from "../loadgen/open-loop.ts";
import { formatProbe, parseProbe } from "../loadgen/probe.ts";
import { cpuMeter, cpuSeconds, residentBytes } from "../loadgen/process-stats.ts";
import { profiled } from "../loadgen/profile-window.ts";
import { type LatencySummary, summarize } from "../loadgen/stats.ts";
import { type AppTimings, type MetricsSnapshot, snapshotMetrics, timingsBetween } from "./app-metrics.ts";
import { DayDevice } from "./day-device.ts";
import { loopbackAddresses } from "./limits.ts";
import type { DayWorld } from "./seed-day.ts";
import { seededRandom } from "../seeded-random.ts";

/** How the day is driven; sizes of the graph are in the world file. */
export interface DayParams {
  /** The seeded world (`DayWorld` as JSON), written by the capacity runner. */
  worldFile: string;
  msgsPerSec: number;
  seconds: number;
  /** Traffic at the day's rate before the day, its latencies not counted (the JIT warms up); its deliveries are checked too. */
  warmupSeconds: number;
  /** Share of the messages that go to a group (the rest to a direct conversation). */
  groupShare: number;
  /** Share of messages announced by a `typing` notice `typingLeadMs` before they are sent. */
  typingPerMessage: number;
  typingLeadMs: number;
  /** Share of received messages the user reads (a `read` mark, batched per conversation every `readIntervalMs`). */
  readShare: number;
  readIntervalMs: number;
  /** Share of the users who drop their connection each second, each coming back after `offlineMs`. */
  reconnectsPerSec: number;
  offlineMs: [number, number];
  bucketSeconds: number;
  /** Upgrades in flight at once while everyone connects. */
  concurrency: number;
  textBytes: number;
  /**
   * After the day: how long nothing may arrive while the app is idle before what is missing counts as lost,
   * and the longest wait (an overloaded app may still be working off its backlog then: see `settle`).
   */
  settleStallMs: number;
  settleTimeoutMs: number;
  seed: number;
}

export interface DayBucket {
  /** Seconds into the day when this bucket's messages were due: from, to. */
  fromSecond: number;
  toSecond: number;
  /** Deliveries to devices that were online when the message was due. */
  live: LatencySummary;
  appCores: number;
  loadgenCores: number;
  appResidentMB: number;
}

export interface DayTraffic {
  users: number;
  connectSeconds: number;
  offeredPerSec: number;
  seconds: number;
  warmupSeconds: number;
  sent: { direct: number; group: number };
  /** Copies owed to devices (a group message, one per member but its sender), and those handed out in order. */
  expected: number;
  delivered: number;
  deliveriesPerSec: number;
  /** Every delivery of the day proper to a device online when the message was due. */
  live: LatencySummary;
  /** Deliveries to a device that was offline (or reconnecting) when the message was due: replayed after `hello`. */
  replayed: LatencySummary;
  buckets: DayBucket[];
  lost: number;
  duplicated: number;
  /** Arrivals whose sequence number was already processed, dropped as the SDK does (live delivery overtaking a replay). */
  repeats: number;
  unexpected: number;
  refused: number;
  unconfirmed: number;
  /** Conversations where an arrival still waited for a gap to fill when the day was over. */
  heldAtEnd: number;
  reconnects: number;
  /** Connections the server closed. */
  dropped: number;
  typingSent: number;
  marksSent: { received: number; read: number };
  /** How late the generator sent against its schedule: large values mean the generator, not the server, fell behind. */
  scheduleLagMs: { p99: number; max: number };
  cores: { app: number; loadgen: number; other: number };
  /** The app's own measurements over the day (its /metrics): where its store time went, its event loop's worst lag. */
  appTimings: AppTimings;
  appResidentMB: { connected: number; peak: number; end: number };
  loadgenResidentMB: number;
  settleSeconds: number;
  /** Whether everything owed arrived, or nothing moved (arrivals, the app's CPU) for the stall time, or the wait timed out. */
  settle: "complete" | "stalled" | "timed out";
  problems: string[];
}

const WARMUP = 0;
const DAY = 1;
/** A device whose connection the server closed comes back after this. */
const DROPPED_RECONNECT_MS = 1000;

/** A message chosen along the graph: who sends it, to whom, and which ledger stream (a sender in one conversation) it numbers in. */
interface Planned {
  sender: number;
  to: string;
  recipients: number;
  stream: number;
  group: boolean;
}

/**
 * Scenario 2 of issue 17, the load generator's side: every user of the seeded
 * world connects with its one device; then messages along the graph on an open-loop
 * schedule (a message's due time travels in its text), some announced by `typing`,
 * some read; every second a share of the users drops and comes back after a while
 * (`hello` with its cursors, the replay, presence to its contacts). After the day,
 * everything sent must reach every recipient device, live or replayed, exactly once.
 */
export async function dayTraffic(target: TargetRef, params: DayParams, log: (line: string) => void): Promise<DayTraffic> {
  const world = (await Bun.file(params.worldFile).json()) as DayWorld;
  const random = seededRandom(params.seed);
  const port = new URL(target.baseUrl).port;
  const baseUrls = loopbackAddresses(world.accounts.length).map((address) => `http://${address}:${port}`);
  const baseUrlOf = (device: DayDevice) => baseUrls[device.index % baseUrls.length]!;
  const names = world.accounts.map((account) => account.name);

  const ledger = new DeliveryLedger({ keepLatencies: false });
  const liveByBucket: number[][] = [];
  const replayed: number[] = [];
  const problems: string[] = [];
  const note = (problem: string) => void (problems.length < 10 && problems.push(problem));
  const counts = { refused: 0, dropped: 0, reconnects: 0, typing: 0, received: 0, read: 0, direct: 0, group: 0 };
  let dayStart = Number.POSITIVE_INFINITY;

  const conversationsOf: number[][] = world.accounts.map(() => []);
  for (const { conv, a, b } of world.directs) conversationsOf[a]!.push(conv), conversationsOf[b]!.push(conv);
  for (const { conv, members } of world.groups) for (const member of members) conversationsOf[member]!.push(conv);

  const devices: DayDevice[] = world.accounts.map(
    (account, index) =>
      new DayDevice(index, account, conversationsOf[index]!, params.readIntervalMs, {
        processed(device, text, conv, seq) {
          const probe = parseProbe(text);
          if (!probe) return;
          const now = performance.now();
          if (ledger.receive(device.index, probe.sender, probe.seq, now - probe.dueAt) !== "new") return;
          if (random() < params.readShare) device.read(conv, seq);
          if (probe.step !== DAY) return;
          if (probe.dueAt < device.readyAt) replayed.push(now - probe.dueAt);
          else (liveByBucket[Math.floor((probe.dueAt - dayStart) / (params.bucketSeconds * 1000))] ??= []).push(now - probe.dueAt);
        },
        stored() {},
        refused(code, message, id) {
          counts.refused++;
          if (id !== undefined && id !== "hello") ledger.withdraw(parseMessageId(id).recipients);
          note(`${code}: ${message}`);
        },
        dropped(device, why) {
          counts.dropped++;
          note(`connection of ${device.account.name} closed by the server: ${why}`);
          goAway(device, DROPPED_RECONNECT_MS);
        },
        marked(type, count) {
          counts[type] += count;
        },
      }),
  );

  const connect = async (device: DayDevice) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await device.connect(baseUrlOf(device));
      } catch (error) {
        note(`connect of ${device.account.name} failed (attempt ${attempt}): ${error instanceof Error ? error.message : error}`);
        if (attempt === 5) throw error;
        await Bun.sleep(500 * attempt);
      }
    }
  };
  /** Reconnects still under way: the settle waits for them. */
  const reconnecting = new Set<Promise<void>>();
  const goAway = (device: DayDevice, offlineMs: number) => {
    counts.reconnects++;
    device.disconnect();
    const done = Bun.sleep(offlineMs)
      .then(() => connect(device))
      .catch((error) => note(`reconnect failed: ${error}`));
    reconnecting.add(done);
    void done.finally(() => reconnecting.delete(done));
  };

  const connecting = performance.now();
  await mapLimit(devices, params.concurrency, connect);
  const connectSeconds = (performance.now() - connecting) / 1000;
  log(`day: ${devices.length} devices connected in ${connectSeconds.toFixed(1)} s over ${baseUrls.length} addresses`);
  const connected = await residentBytes(target.pid);

  // Ledger streams: 2k and 2k+1 are the two sides of direct conversation k; then one per group member.
  const groupStreams: number[] = [];
  let streams = world.directs.length * 2;
  for (const group of world.groups) groupStreams.push(streams), (streams += group.members.length);
  // A message is planned when its typing notice is due, by someone online; nobody with a message planned goes offline
  // before sending it, so a delivery's latency is the server's, never a sender's time away (the outbox is for resends).
  const planned = new Int32Array(devices.length);
  const plan = (): Planned => {
    for (;;) {
      const message = choose();
      if (devices[message.sender]!.connection) {
        planned[message.sender]!++;
        return message;
      }
    }
  };
  const choose = (): Planned => {
    if (random() < params.groupShare && world.groups.length > 0) {
      const index = Math.floor(random() * world.groups.length);
      const group = world.groups[index]!;
      const member = Math.floor(random() * group.members.length);
      return { sender: group.members[member]!, to: `#${group.name}`, recipients: group.members.length - 1, stream: groupStreams[index]! + member, group: true };
    }
    const index = Math.floor(random() * world.directs.length);
    const { a, b } = world.directs[index]!;
    const side = random() < 0.5 ? 0 : 1;
    return { sender: side ? b : a, to: names[side ? a : b]!, recipients: 1, stream: 2 * index + side, group: false };
  };

  const dropSomeone = () => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const device = devices[Math.floor(random() * devices.length)]!;
      if (device.away || !device.connection || planned[device.index]! > 0) continue;
      const [shortest, longest] = params.offlineMs;
      return goAway(device, shortest + random() * (longest - shortest));
    }
  };

  const send = (step: number, message: Planned, dueAt: number) => {
    planned[message.sender]!--;
    const seq = ledger.send(message.stream, message.recipients);
    devices[message.sender]!.send(message.to, messageId(step, message.recipients), formatProbe({ step, sender: message.stream, seq, dueAt }, params.textBytes));
    if (step === DAY) counts[message.group ? "group" : "direct"]++;
  };

  // The warm-up, then the day, on one schedule: message n is due at n / rate; its typing notice typingLeadMs before.
  const total = Math.round(params.msgsPerSec * (params.warmupSeconds + params.seconds));
  const warmupMessages = Math.round(params.msgsPerSec * params.warmupSeconds);
  const upcoming: Planned[] = [];
  const lags: number[] = [];
  let dayBegun = false;
  let dayMeter: ReturnType<typeof cpuMeter> | undefined;
  let metricsAtStart: Promise<MetricsSnapshot> | undefined;
  const samples: Array<{ at: number; app: number; loadgen: number; resident: number }> = [];
  const sample = async () => {
    const own = process.cpuUsage();
    samples.push({ at: performance.now(), app: await cpuSeconds(target.pid), loadgen: (own.user + own.system) / 1e6, resident: await residentBytes(target.pid) });
  };

  const start = performance.now();
  dayStart = start + params.warmupSeconds * 1000;
  let sent = 0;
  let scheduled = 0;
  let drops = 0;
  let sampler: ReturnType<typeof setInterval> | undefined;
  // With --profile the app's profiler runs over the warm-up and the day, not the connects nor the settle.
  await profiled(target, () => new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const dueBy = (at: number) => Math.min(total, Math.floor(((at - start) * params.msgsPerSec) / 1000) + 1);
      for (const due = dueBy(now + params.typingLeadMs); scheduled < due; scheduled++) {
        const message = plan();
        upcoming.push(message);
        if (random() < params.typingPerMessage && devices[message.sender]!.typing(message.to)) counts.typing++;
      }
      const due = dueBy(now);
      if (sent < due) lags.push(now - (start + (sent * 1000) / params.msgsPerSec));
      for (; sent < due; sent++) send(sent < warmupMessages ? WARMUP : DAY, upcoming.shift()!, start + (sent * 1000) / params.msgsPerSec);
      for (const dropsDue = Math.floor(((now - start) / 1000) * params.reconnectsPerSec * devices.length); drops < dropsDue; drops++) dropSomeone();
      if (!dayBegun && now >= dayStart) {
        dayBegun = true;
        dayMeter = cpuMeter([target.pid], false);
        metricsAtStart = snapshotMetrics(target.baseUrl);
        void sample();
        sampler = setInterval(() => void sample(), params.bucketSeconds * 1000);
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, 1);
    tick();
  }));
  const cores = await (await dayMeter!)();
  const appTimings = timingsBetween(await metricsAtStart!, await snapshotMetrics(target.baseUrl));
  clearInterval(sampler);
  await sample();
  log(`day: ${sent} messages sent; ${counts.reconnects} reconnects; settling`);

  // Everyone comes back, then everything owed must arrive (or stop arriving).
  const settling = performance.now();
  await Promise.all(reconnecting);
  const settled = await settle(target.pid, () => ledger.delivered + ledger.duplicates + counts.refused, () => ledger.missing <= 0 && devices.every((device) => device.outstanding.unconfirmed === 0), params);
  const settleSeconds = (performance.now() - settling) / 1000;
  const outstanding = devices.map((device) => device.outstanding);
  const lagSummary = summarize(lags);
  const end = await residentBytes(target.pid);
  // One period per bucket of the day; a last sample taken just after the interval's own is no period of its own.
  const periods = Math.ceil(params.seconds / params.bucketSeconds);
  const buckets = samples.slice(1, 1 + periods).map((sampled, index): DayBucket => {
    const before = samples[index]!;
    const seconds = (sampled.at - before.at) / 1000;
    return {
      fromSecond: index * params.bucketSeconds,
      toSecond: (index + 1) * params.bucketSeconds,
      live: summarize(liveByBucket[index] ?? []),
      appCores: round((sampled.app - before.app) / seconds),
      loadgenCores: round((sampled.loadgen - before.loadgen) / seconds),
      appResidentMB: Math.round(sampled.resident / 2 ** 20),
    };
  });
  for (const device of devices) device.disconnect();
  return {
    users: devices.length,
    connectSeconds: round(connectSeconds),
    offeredPerSec: params.msgsPerSec,
    seconds: params.seconds,
    warmupSeconds: params.warmupSeconds,
    sent: { direct: counts.direct, group: counts.group },
    expected: ledger.expected,
    delivered: ledger.delivered,
    deliveriesPerSec: Math.round(ledger.delivered / (params.warmupSeconds + params.seconds)),
    live: summarize(liveByBucket.flat()),
    replayed: summarize(replayed),
    buckets,
    lost: ledger.missing,
    duplicated: ledger.duplicates,
    repeats: devices.reduce((sum, device) => sum + device.repeats, 0),
    unexpected: ledger.unexpected,
    refused: counts.refused,
    unconfirmed: outstanding.reduce((sum, device) => sum + device.unconfirmed, 0),
    heldAtEnd: outstanding.reduce((sum, device) => sum + device.held, 0),
    reconnects: counts.reconnects,
    dropped: counts.dropped,
    typingSent: counts.typing,
    marksSent: { received: counts.received, read: counts.read },
    scheduleLagMs: { p99: lagSummary.p99, max: lagSummary.max },
    cores: { app: cores.targetCores, loadgen: cores.loadgenCores, other: cores.otherCores },
    appTimings,
    appResidentMB: { connected: Math.round(connected / 2 ** 20), peak: Math.round(Math.max(end, ...samples.map((s) => s.resident)) / 2 ** 20), end: Math.round(end / 2 ** 20) },
    loadgenResidentMB: Math.round(process.memoryUsage.rss() / 2 ** 20),
    settleSeconds: round(settleSeconds),
    settle: settled,
    problems,
  };
}

/** The app counts as working off a backlog while it uses more than this share of a core. */
const BUSY_CORES = 0.1;
const SETTLE_POLL_MS = 200;

/**
 * Waits until `done`, or until neither `progress` moved nor the app was busy for the stall time, or the
 * timeout: an overloaded app still working through queued frames is waited for, an idle one is not.
 */
async function settle(appPid: number, progress: () => number, done: () => boolean, params: DayParams): Promise<"complete" | "stalled" | "timed out"> {
  const started = performance.now();
  let last = -1;
  let movedAt = started;
  let appCpu = await cpuSeconds(appPid);
  while (!done()) {
    await Bun.sleep(SETTLE_POLL_MS);
    const now = performance.now();
    const current = progress();
    const cpu = await cpuSeconds(appPid);
    if (current !== last || cpu - appCpu > (BUSY_CORES * SETTLE_POLL_MS) / 1000) (last = current), (movedAt = now);
    appCpu = cpu;
    if (now - movedAt > params.settleStallMs) return "stalled";
    if (now - started > params.settleTimeoutMs) return "timed out";
  }
  return "complete";
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
