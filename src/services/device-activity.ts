import type { DeviceId } from "../domain/types.ts";
import type { Store } from "../store/store.ts";
import type { ReportProblem } from "./problems.ts";

/** A connected device counts as active again this often, so "last active" stays close to the truth. */
const CONNECTED_REFRESH_MS = 60_000;

/**
 * "Last active" of each device, for the device list: a device is active when
 * it connects, when it leaves, and while it stays connected. The times are
 * saved in one batch every `flushMs`, never one write per connection.
 */
export class DeviceActivity {
  private readonly connected = new Set<DeviceId>();
  private readonly pending = new Set<DeviceId>();
  private readonly flushTimer: Timer;
  private readonly refreshTimer: Timer;

  constructor(
    private readonly store: Store,
    flushMs: number,
    private readonly reportProblem: ReportProblem,
    private readonly now: () => number = Date.now,
  ) {
    this.flushTimer = setInterval(() => void this.flush(), flushMs);
    this.refreshTimer = setInterval(() => this.connected.forEach((device) => this.pending.add(device)), CONNECTED_REFRESH_MS);
    this.flushTimer.unref();
    this.refreshTimer.unref();
  }

  deviceConnected(device: DeviceId): void {
    this.connected.add(device);
    this.pending.add(device);
  }

  deviceDisconnected(device: DeviceId): void {
    this.connected.delete(device);
    this.pending.add(device);
  }

  /** Saves what is pending; at shutdown, after the sockets closed. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const devices = [...this.pending];
    this.pending.clear();
    await this.store.touchDevices(devices, this.now()).catch((error) => this.reportProblem("saving device activity failed", error));
  }

  async stop(): Promise<void> {
    clearInterval(this.flushTimer);
    clearInterval(this.refreshTimer);
    await this.flush();
  }
}
