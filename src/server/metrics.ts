/**
 * A small metrics registry rendering the Prometheus text format (version
 * 0.0.4): counters and histograms with labels, and gauges read when scraped.
 */

type Labels = Record<string, string>;

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Seconds, from a millisecond up to ten seconds: fits store commits and deliveries. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labelText(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels);
  if (extra) pairs.push(extra);
  if (pairs.length === 0) return "";
  return `{${pairs.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(",")}}`;
}

function numberText(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return Number.isNaN(value) ? "NaN" : String(value);
}

/** Series are kept by their rendered labels, so one label set is one series. */
const keyOf = (labels: Labels) => labelText(labels);

interface Metric {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram";
  samples(): string[];
}

export class Counter {
  private readonly series = new Map<string, { labels: Labels; value: number }>();

  inc(labels: Labels = {}, amount = 1): void {
    const key = keyOf(labels);
    const entry = this.series.get(key);
    if (entry) entry.value += amount;
    else this.series.set(key, { labels, value: amount });
  }

  samples(name: string): string[] {
    return [...this.series.values()].map(({ labels, value }) => `${name}${labelText(labels)} ${numberText(value)}`);
  }
}

export class Histogram {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();

  constructor(private readonly buckets: readonly number[]) {}

  observe(value: number, labels: Labels = {}): void {
    const key = keyOf(labels);
    let entry = this.series.get(key);
    if (!entry) {
      entry = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, entry);
    }
    const index = this.buckets.findIndex((bound) => value <= bound);
    if (index >= 0) entry.counts[index]! += 1;
    entry.sum += value;
    entry.count += 1;
  }

  samples(name: string): string[] {
    const lines: string[] = [];
    for (const { labels, counts, sum, count } of this.series.values()) {
      let cumulative = 0;
      this.buckets.forEach((bound, index) => {
        cumulative += counts[index]!;
        lines.push(`${name}_bucket${labelText(labels, ["le", numberText(bound)])} ${cumulative}`);
      });
      lines.push(`${name}_bucket${labelText(labels, ["le", "+Inf"])} ${count}`);
      lines.push(`${name}_sum${labelText(labels)} ${numberText(sum)}`);
      lines.push(`${name}_count${labelText(labels)} ${count}`);
    }
    return lines;
  }
}

export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric>();

  counter(name: string, help: string): Counter {
    const counter = new Counter();
    this.register({ name, help, type: "counter", samples: () => counter.samples(name) });
    return counter;
  }

  /** A gauge whose value is read at each scrape, so nothing has to keep it up to date. */
  gauge(name: string, help: string, read: () => number, labels: Labels = {}): void {
    this.register({ name, help, type: "gauge", samples: () => [`${name}${labelText(labels)} ${numberText(read())}`] });
  }

  /** A counter kept elsewhere (the process's CPU time, say), read at each scrape. */
  counterReadAtScrape(name: string, help: string, read: () => number): void {
    this.register({ name, help, type: "counter", samples: () => [`${name} ${numberText(read())}`] });
  }

  histogram(name: string, help: string, buckets: readonly number[] = LATENCY_BUCKETS): Histogram {
    const histogram = new Histogram([...buckets].sort((a, b) => a - b));
    this.register({ name, help, type: "histogram", samples: () => histogram.samples(name) });
    return histogram;
  }

  /** Every metric in the text exposition format. */
  render(): string {
    const blocks = [...this.metrics.values()].map((metric) =>
      [`# HELP ${metric.name} ${metric.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`, `# TYPE ${metric.name} ${metric.type}`, ...metric.samples()].join("\n"),
    );
    return blocks.join("\n") + "\n";
  }

  private register(metric: Metric): void {
    if (!METRIC_NAME.test(metric.name)) throw new Error(`'${metric.name}' is not a valid metric name.`);
    if (this.metrics.has(metric.name)) throw new Error(`The metric '${metric.name}' is registered twice.`);
    this.metrics.set(metric.name, metric);
  }
}
