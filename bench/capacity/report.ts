import type { TargetName } from "../loadgen/job.ts";
import type { DayResult } from "./day.ts";
import type { GrowthResult } from "./growing-store.ts";
import type { HerdResult } from "./herd.ts";
import type { IdleResult } from "./idle-connections.ts";
import { type Panel, renderPanels } from "./svg.ts";

type Failed = { failed: string };

export interface CapacityReport {
  kind: "full" | "quick";
  startedAt: string;
  seconds: number;
  limits: { openFiles: number; localPortRange: [number, number] };
  idle: Partial<Record<TargetName, IdleResult | Failed>> | null;
  growth: GrowthResult | Failed | null;
  herd: HerdResult | Failed | null;
  day: DayResult | Failed | null;
}

function ok<T extends object>(value: T | Failed | null | undefined): T | null {
  return value && !("failed" in value) ? value : null;
}

/** The headline figures of issue 17; null for what this run did not measure. */
export function summarize(report: CapacityReport) {
  const app = ok(report.idle?.app);
  const ceiling = ok(report.idle?.ceiling);
  const peer = ok(report.idle?.peer);
  const points = ok(report.growth)?.points ?? [];
  const empty = points[0];
  const full = points.at(-1);
  const figures = (point: typeof empty) => (point && !("failed" in point.oneToOne) ? point.oneToOne : null);
  const emptyRate = figures(empty)?.maxSustainedPerSec ?? null;
  const fullRate = figures(full)?.maxSustainedPerSec ?? null;
  const emptyCpu = figures(empty)?.cpuUsPerMsg ?? null;
  const fullCpu = figures(full)?.cpuUsPerMsg ?? null;
  const herd = ok(report.herd);
  const day = ok(report.day);
  return {
    connections: app?.connections ?? null,
    app_bytes_per_conn: app?.bytesPerConnection ?? null,
    ceiling_bytes_per_conn: ceiling?.bytesPerConnection ?? null,
    peer_bytes_per_conn: peer?.bytesPerConnection ?? null,
    app_connects_per_s: app?.connectsPerSec ?? null,
    connect_rate_ratio_to_ceiling: app && ceiling ? ratio(app.connectsPerSec, ceiling.connectsPerSec) : null,
    connect_rate_ratio_to_peer: app && peer ? ratio(app.connectsPerSec, peer.connectsPerSec) : null,
    app_cpu_us_per_connect: app?.cpuUsPerConnect ?? null,
    ceiling_cpu_us_per_connect: ceiling?.cpuUsPerConnect ?? null,
    peer_cpu_us_per_connect: peer?.cpuUsPerConnect ?? null,
    app_idle_cores: app?.idleCores ?? null,
    day_users: day?.users ?? null,
    day_msgs_per_s: day ? Math.round((day.sent.direct + day.sent.group) / day.seconds) : null,
    day_deliveries_per_s: day?.deliveriesPerSec ?? null,
    day_p50_ms: day?.live.p50 ?? null,
    day_p99_ms: day?.live.p99 ?? null,
    day_p999_ms: day?.live.p999 ?? null,
    day_replayed_p99_ms: day?.replayed.p99 ?? null,
    lost: day?.lost ?? null,
    duplicated: day?.duplicated ?? null,
    day_settle: day?.settle ?? null,
    // Issue 17's target for the day: p99 ≤ 20 ms, p99.9 ≤ 100 ms, nothing lost or duplicated.
    day_target_met: day ? day.live.p99 <= 20 && day.live.p999 <= 100 && day.lost === 0 && day.duplicated === 0 && day.settle === "complete" : null,
    day_app_cores: day?.cores.app ?? null,
    day_loadgen_cores: day?.cores.loadgen ?? null,
    day_other_cores: day?.cores.other ?? null,
    day_app_peak_mb: day?.appResidentMB.peak ?? null,
    stored_messages: full?.storedMessages ?? null,
    empty_msgs_per_s: emptyRate,
    full_msgs_per_s: fullRate,
    throughput_ratio_full_vs_empty: emptyRate && fullRate !== null ? ratio(fullRate, emptyRate) : null,
    empty_cpu_us_per_msg: emptyCpu,
    full_cpu_us_per_msg: fullCpu,
    cpu_per_msg_ratio_full_vs_empty: emptyCpu && fullCpu !== null ? ratio(fullCpu, emptyCpu) : null,
    other_cores_at_best: [figures(empty)?.otherCoresAtBest ?? null, figures(full)?.otherCoresAtBest ?? null],
    history_p99_ms: full?.historyMs.p99 ?? null,
    resume_msgs_per_s: full?.resume.msgsPerSec ?? null,
    start_seconds: full?.startSeconds ?? null,
    bytes_per_message: full?.bytesPerMessage ?? null,
    herd_seconds: herd?.herdSeconds ?? null,
    herd_refused: herd?.refusedConnects ?? null,
    herd_peak_mb: herd?.peakResidentMB ?? null,
  };
}

export function tables(report: CapacityReport): string {
  const out: string[] = [];
  if (report.idle) {
    out.push(`\n1. Idle connections (held ${ok(report.idle.app)?.idleSeconds ?? "?"} s)`);
    out.push("| target | connections | connect s | connects/s | server µs CPU per connect | other cores | baseline MB | connected MB | B per connection | idle cores | failed / dropped |");
    out.push("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    for (const [target, result] of Object.entries(report.idle)) {
      const r = ok(result);
      out.push(r ? `| ${target} | ${r.connections} | ${r.connectSeconds} | ${r.connectsPerSec} | ${r.cpuUsPerConnect} | ${r.otherCoresConnecting} | ${r.idleBaselineMB} | ${r.connectedMB} | ${r.bytesPerConnection} | ${r.idleCores} | ${r.failedConnects} / ${r.dropped} |` : `| ${target} | failed: ${(result as Failed).failed} |`);
    }
  }
  const profile = ok(report.idle?.app)?.profile;
  if (profile) out.push(`\nApp CPU profile while connecting: ${profile.file}\n${profile.top.join("\n")}`);
  if (report.day) out.push(dayTable(report.day));
  const growth = report.growth;
  if (growth) {
    out.push("\n3. Growing store");
    if ("failed" in growth) out.push(`failed: ${growth.failed}`);
    else {
      out.push("| stored | seed msgs/s | B per msg | start s | resume msgs/s | history p50 / p99 ms | one-to-one msgs/s | p99 at half rate ms | app µs CPU per msg | other cores at best |");
      out.push("| ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |");
      for (const p of growth.points) {
        const o = p.oneToOne;
        const rate = "failed" in o ? `failed: ${o.failed}` : `${o.maxSustainedPerSec} | ${o.p99AtHalfRateMs} | ${o.cpuUsPerMsg} | ${o.otherCoresAtBest}`;
        out.push(`| ${p.storedMessages} | ${p.seedMsgsPerSec} | ${p.bytesPerMessage ?? "–"} | ${p.startSeconds} | ${p.resume.msgsPerSec} (${p.resume.delivered}/${p.resume.messages}) | ${p.historyMs.p50} / ${p.historyMs.p99} | ${rate} |`);
      }
    }
  }
  const herd = report.herd;
  if (herd) {
    out.push("\n4. Reconnect herd after a restart");
    out.push("failed" in herd ? `failed: ${herd.failed}` : JSON.stringify(herd));
  }
  return out.join("\n");
}

/** One SVG per scenario that ran. */
export function charts(report: CapacityReport): Record<string, string> {
  const svgs: Record<string, string> = {};
  const idle = Object.entries(report.idle ?? {}).flatMap(([target, result]) => (ok(result) ? [{ target, result: ok(result)! }] : []));
  if (idle.length) {
    svgs.idle = renderPanels(`Idle connections: ${idle[0]!.result.connections.toLocaleString("en")} held ${idle[0]!.result.idleSeconds} s`, [
      { kind: "bars", title: "memory per connection", unit: "bytes", bars: idle.map(({ target, result }) => ({ label: target, value: result.bytesPerConnection })) },
      { kind: "bars", title: "connect rate", unit: "connections/s", bars: idle.map(({ target, result }) => ({ label: target, value: result.connectsPerSec })) },
      { kind: "bars", title: "server CPU per connect", unit: "µs", bars: idle.map(({ target, result }) => ({ label: target, value: result.cpuUsPerConnect })) },
      { kind: "bars", title: "CPU while idle", unit: "cores", bars: idle.map(({ target, result }) => ({ label: target, value: result.idleCores })) },
    ]);
  }
  const points = ok(report.growth)?.points ?? [];
  if (points.length) {
    const against = (value: (point: (typeof points)[number]) => number | null): Array<[number, number]> =>
      points.flatMap((point) => (value(point) === null ? [] : [[point.storedMessages, value(point)!] as [number, number]]));
    const line = (title: string, unit: string, series: Array<{ label: string; value: (point: (typeof points)[number]) => number | null }>): Panel => ({
      kind: "lines",
      title,
      unit,
      xLabel: "stored messages",
      series: series.map(({ label, value }) => ({ label, points: against(value) })),
    });
    const oneToOne = (point: (typeof points)[number]) => ("failed" in point.oneToOne ? null : point.oneToOne);
    svgs.growth = renderPanels("Against the number of stored messages", [
      line("one-to-one throughput", "msgs/s", [{ label: "max sustained", value: (p) => oneToOne(p)?.maxSustainedPerSec ?? null }]),
      line("latency", "ms", [
        { label: "one-to-one p99 at half rate", value: (p) => oneToOne(p)?.p99AtHalfRateMs ?? null },
        { label: "history page p99", value: (p) => p.historyMs.p99 },
      ]),
      line("app CPU per one-to-one message", "µs", [{ label: "median over steps", value: (p) => oneToOne(p)?.cpuUsPerMsg ?? null }]),
      line("resume of a device far behind", "msgs/s", [{ label: "resume", value: (p) => p.resume.msgsPerSec }]),
      line("server start", "seconds", [{ label: "start", value: (p) => p.startSeconds }]),
    ]);
  }
  const day = ok(report.day);
  if (day?.buckets.length) {
    const over = (value: (bucket: DayResult["buckets"][number]) => number) => day.buckets.map((bucket) => [bucket.toSecond, value(bucket)] as [number, number]);
    const xLabel = "seconds into the day (end of each period)";
    svgs.day = renderPanels(`A realistic day: ${day.users.toLocaleString("en")} people, ${Math.round((day.sent.direct + day.sent.group) / day.seconds).toLocaleString("en")} messages/s (${day.deliveriesPerSec.toLocaleString("en")} deliveries/s)`, [
      { kind: "lines", title: "live delivery latency", unit: "ms", xLabel, series: [
        { label: "p99.9", points: over((b) => b.live.p999) },
        { label: "p99", points: over((b) => b.live.p99) },
        { label: "p50", points: over((b) => b.live.p50) },
      ] },
      { kind: "lines", title: "CPU", unit: "cores", xLabel, series: [
        { label: "app", points: over((b) => b.appCores) },
        { label: "load generator", points: over((b) => b.loadgenCores) },
      ] },
      { kind: "lines", title: "app memory", unit: "MB", xLabel, series: [{ label: "resident", points: over((b) => b.appResidentMB) }] },
      { kind: "bars", title: "delivery latency, whole day", unit: "ms", bars: [
        { label: "live p99", value: day.live.p99 },
        { label: "live p99.9", value: day.live.p999 },
        { label: "replayed p99", value: day.replayed.p99 },
      ] },
    ]);
  }
  const herd = ok(report.herd);
  if (herd) {
    let total = 0;
    const cumulative = herd.readyPerSecond.map((count, second) => [second + 1, (total += count)] as [number, number]);
    svgs.herd = renderPanels(`Reconnect herd: ${herd.connections.toLocaleString("en")} devices after a restart`, [
      { kind: "lines", title: "devices ready again", unit: "devices", xLabel: "seconds after the restart began", series: [{ label: "ready", points: [[0, 0], ...cumulative] }] },
      { kind: "bars", title: "server memory", unit: "MB", bars: [{ label: "before restart", value: herd.residentBeforeMB }, { label: "peak after", value: herd.peakResidentMB }] },
    ]);
  }
  return svgs;
}

function dayTable(result: DayResult | Failed): string {
  if ("failed" in result) return `\n2. A realistic day: failed: ${result.failed}`;
  const d = result;
  const ms = (l: DayResult["live"]) => `${l.p50} / ${l.p99} / ${l.p999} (max ${l.max}; ${l.count.toLocaleString("en")} deliveries)`;
  const rows: Array<[string, string]> = [
    ["people (one device each)", `${d.graph.users.toLocaleString("en")}: ${d.graph.directs.toLocaleString("en")} direct conversations, ${d.graph.groups} groups of ${d.graph.groupMembers.min}–${d.graph.groupMembers.max} (mean ${d.graph.groupMembers.mean})`],
    ["seeded, connected (s)", `${d.seedSeconds}, ${d.connectSeconds}`],
    ["the day (s, after a warm-up of)", `${d.seconds} (${d.warmupSeconds})`],
    ["messages sent in the day: direct + group", `${d.sent.direct.toLocaleString("en")} + ${d.sent.group.toLocaleString("en")} (${Math.round((d.sent.direct + d.sent.group) / d.seconds)}/s offered ${d.offeredPerSec}/s)`],
    ["deliveries (copies to devices), per second", `${d.delivered.toLocaleString("en")} of ${d.expected.toLocaleString("en")}, ${d.deliveriesPerSec.toLocaleString("en")}/s`],
    ["live delivery p50 / p99 / p99.9 (ms)", ms(d.live)],
    ["replayed after a reconnect p50 / p99 / p99.9 (ms)", ms(d.replayed)],
    ["lost / duplicated", `**${d.lost} / ${d.duplicated}** (repeats dropped by seq: ${d.repeats}; unexpected ${d.unexpected}; refused ${d.refused}; unconfirmed ${d.unconfirmed}; held at the end ${d.heldAtEnd})`],
    ["reconnects / dropped by the server", `${d.reconnects} / ${d.dropped}`],
    ["typing notices, received marks, read marks sent", `${d.typingSent.toLocaleString("en")}, ${d.marksSent.received.toLocaleString("en")}, ${d.marksSent.read.toLocaleString("en")}`],
    ["cores: app / load generator / others", `${d.cores.app} / ${d.cores.loadgen} / ${d.cores.other}`],
    ["app resident MB: connected, peak, end", `${d.appResidentMB.connected}, ${d.appResidentMB.peak}, ${d.appResidentMB.end} (load generator ${d.loadgenResidentMB})`],
    ["generator's lag behind its schedule p99 / max (ms)", `${d.scheduleLagMs.p99} / ${d.scheduleLagMs.max}`],
    ["settle after the day (s)", `${d.settleSeconds}: ${d.settle}`],
    ["app: send to handed out, mean (ms); worst event-loop lag (ms)", `${d.appTimings.sendToHandedMeanMs}; ${d.appTimings.worstEventLoopLagMs}`],
    ["app: store time by operation (calls, mean ms, total s)", d.appTimings.store.map((op) => `${op.operation} ${op.calls.toLocaleString("en")} × ${op.meanMs} = ${op.seconds} s`).join("; ")],
  ];
  const out = ["\n2. A realistic day, compressed", "| | |", "| --- | --- |", ...rows.map(([label, value]) => `| ${label} | ${value} |`)];
  out.push("\n| from second | live p50 | p99 | p99.9 | deliveries | app cores | loadgen cores | app MB |", "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const b of d.buckets) out.push(`| ${b.fromSecond} | ${b.live.p50} | ${b.live.p99} | ${b.live.p999} | ${b.live.count} | ${b.appCores} | ${b.loadgenCores} | ${b.appResidentMB} |`);
  if (d.problems.length) out.push(`\nProblems: ${d.problems.join("; ")}`);
  if (d.profile) out.push(`\nApp CPU profile over the day: ${d.profile.file}\n${d.profile.top.join("\n")}`);
  return out.join("\n");
}

function ratio(value: number, base: number): number {
  return Math.round((value / base) * 1000) / 1000;
}
