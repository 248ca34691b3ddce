import { type ScenarioResults, type Summary, succeeded } from "./results.ts";

/** The headline figures of a run, app against both baselines. */
export function summarize(scenarios: ScenarioResults): Summary {
  const throughput = scenarios["one-to-one"];
  const app = succeeded(throughput.app);
  const ceiling = succeeded(throughput.ceiling);
  const peer = succeeded(throughput.peer);
  const summary: Summary = {
    app_msgs_per_s: app?.maxSustainedPerSec ?? null,
    ceiling_msgs_per_s: ceiling?.maxSustainedPerSec ?? null,
    peer_msgs_per_s: peer?.maxSustainedPerSec ?? null,
    ratio_to_ceiling: ratio(app?.maxSustainedPerSec, ceiling?.maxSustainedPerSec),
    ratio_to_peer: ratio(app?.maxSustainedPerSec, peer?.maxSustainedPerSec),
    p50_ms: app?.atHalfRate?.latencyMs.p50 ?? null,
    p99_ms: app?.atHalfRate?.latencyMs.p99 ?? null,
    p999_ms: app?.atHalfRate?.latencyMs.p999 ?? null,
    lost: app?.lost ?? null,
    duplicated: app?.duplicated ?? null,
    cpu_rate_msgs_per_s: (app ?? ceiling ?? peer)?.atFixedRate?.offeredPerSec ?? null,
    app_cpu_us_per_msg: app?.atFixedRate?.cpuUsPerMsg ?? null,
    app_writer_cpu_us_per_msg: app?.atFixedRate?.workerCpuUsPerMsg ?? null,
    ceiling_cpu_us_per_msg: ceiling?.atFixedRate?.cpuUsPerMsg ?? null,
    peer_cpu_us_per_msg: peer?.atFixedRate?.cpuUsPerMsg ?? null,
    app_cpu_ratio_to_peer: ratio(app?.atFixedRate?.cpuUsPerMsg ?? undefined, peer?.atFixedRate?.cpuUsPerMsg ?? undefined),
  };

  for (const target of ["app", "ceiling", "peer"] as const) {
    const idle = succeeded(scenarios.connections[target]);
    if (idle) {
      summary[`${target}_bytes_per_conn`] = idle.bytesPerConnection;
      summary[`${target}_connect_s`] = idle.connectSeconds;
    }
    const group = succeeded(scenarios.fanout[target]);
    if (group) summary[`${target}_fanout_deliveries_per_s`] = group.maxDeliveriesPerSec;
  }
  const appGroup = succeeded(scenarios.fanout.app);
  const ceilingGroup = succeeded(scenarios.fanout.ceiling);
  if (appGroup && ceilingGroup) summary.fanout_ratio_to_ceiling = ratio(appGroup.maxDeliveriesPerSec, ceilingGroup.maxDeliveriesPerSec);
  const oneServer = succeeded(scenarios["cross-server"]["one-server"]);
  const twoServers = succeeded(scenarios["cross-server"]["two-servers"]);
  if (oneServer) {
    summary.postgres_one_server_msgs_per_s = oneServer.maxSustainedPerSec;
    summary.postgres_one_server_p99_ms = oneServer.atHalfRate?.latencyMs.p99 ?? null;
  }
  if (twoServers) {
    summary.cross_server_msgs_per_s = twoServers.maxSustainedPerSec;
    summary.cross_server_ratio_to_one_server = ratio(twoServers.maxSustainedPerSec, oneServer?.maxSustainedPerSec);
    summary.cross_server_ratio_to_sqlite = ratio(twoServers.maxSustainedPerSec, app?.maxSustainedPerSec);
    summary.cross_server_p50_ms = twoServers.atHalfRate?.latencyMs.p50 ?? null;
    summary.cross_server_p99_ms = twoServers.atHalfRate?.latencyMs.p99 ?? null;
    summary.cross_server_lost = twoServers.lost;
    summary.cross_server_duplicated = twoServers.duplicated;
  }
  const backlog = succeeded(scenarios.catchup.app);
  if (backlog) {
    summary.catchup_drain_s = backlog.drainSeconds;
    summary.catchup_lost = backlog.lost;
  }
  return summary;
}

function ratio(value: number | undefined, base: number | undefined): number | null {
  return value !== undefined && base ? Math.round((value / base) * 1000) / 1000 : null;
}
