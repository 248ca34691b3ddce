import type { TargetName } from "../loadgen/job.ts";
import type { StepResult } from "../loadgen/open-loop.ts";
import { type Report, succeeded } from "./results.ts";

/** Latency against offered load for scenario 1, one line per target (p99 solid, p50 dashed), as a standalone SVG. */

const WIDTH = 900;
const HEIGHT = 500;
const MARGIN = { left: 70, right: 190, top: 50, bottom: 60 };
const COLORS: Record<TargetName, string> = { app: "#d62728", ceiling: "#1f77b4", peer: "#2ca02c" };
const MIN_MS = 0.1;

export function renderChart(report: Report): string {
  const series = (["app", "ceiling", "peer"] as const).flatMap((target) => {
    const result = succeeded(report.scenarios["one-to-one"][target]);
    if (!result) return [];
    const steps = [...result.steps, ...(result.atHalfRate ? [result.atHalfRate] : [])].sort((a, b) => a.offeredPerSec - b.offeredPerSec);
    return [{ target, steps, best: result.maxSustainedPerSec }];
  });
  const allSteps = series.flatMap((line) => line.steps);
  const maxRate = niceCeiling(Math.max(1000, ...allSteps.map((step) => step.offeredPerSec)));
  const maxMs = 10 ** Math.ceil(Math.log10(Math.max(10, ...allSteps.map((step) => step.latencyMs.p99))));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (rate: number) => MARGIN.left + (rate / maxRate) * plotWidth;
  const y = (ms: number) =>
    MARGIN.top + plotHeight - ((Math.log10(Math.max(ms, MIN_MS)) - Math.log10(MIN_MS)) / (Math.log10(maxMs) - Math.log10(MIN_MS))) * plotHeight;

  const parts: string[] = [];
  for (let i = 0; i <= 5; i++) {
    const rate = (maxRate * i) / 5;
    parts.push(line(x(rate), MARGIN.top, x(rate), MARGIN.top + plotHeight, "#eee"));
    parts.push(text(x(rate), HEIGHT - MARGIN.bottom + 18, formatRate(rate), "middle"));
  }
  for (let ms = MIN_MS; ms <= maxMs; ms *= 10) {
    parts.push(line(MARGIN.left, y(ms), MARGIN.left + plotWidth, y(ms), "#eee"));
    parts.push(text(MARGIN.left - 8, y(ms) + 4, `${ms >= 1 ? ms : ms.toFixed(1)} ms`, "end"));
  }
  parts.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#999"/>`);

  series.forEach(({ target, steps, best }, index) => {
    const color = COLORS[target];
    parts.push(polyline(steps, (step) => step.latencyMs.p99, x, y, color, ""));
    parts.push(polyline(steps, (step) => step.latencyMs.p50, x, y, color, ` stroke-dasharray="5 4"`));
    for (const step of steps) {
      const fill = step.sustained ? color : "white";
      parts.push(`<circle cx="${x(step.offeredPerSec).toFixed(1)}" cy="${y(step.latencyMs.p99).toFixed(1)}" r="3.5" fill="${fill}" stroke="${color}"/>`);
    }
    const legendY = MARGIN.top + 10 + index * 40;
    parts.push(line(WIDTH - MARGIN.right + 15, legendY, WIDTH - MARGIN.right + 40, legendY, color, 2.5));
    parts.push(text(WIDTH - MARGIN.right + 46, legendY + 4, target, "start", color));
    parts.push(text(WIDTH - MARGIN.right + 46, legendY + 20, `max ${formatRate(best)}/s`, "start", "#555", 11));
  });
  const legendBottom = MARGIN.top + 10 + series.length * 40;
  parts.push(text(WIDTH - MARGIN.right + 15, legendBottom + 4, "solid: p99, dashed: p50", "start", "#555", 11));
  parts.push(text(WIDTH - MARGIN.right + 15, legendBottom + 20, "hollow: step not sustained", "start", "#555", 11));

  const machine = report.machine;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
${text(MARGIN.left, 22, "One-to-one: one-way latency against offered load", "start", "#000", 16)}
${text(MARGIN.left, 40, `${machine.cpus} × ${machine.cpuModel}, Bun ${machine.bun}, Node ${machine.node}, ${report.kind} run ${report.startedAt}`, "start", "#555", 11)}
${parts.join("\n")}
${text(MARGIN.left + plotWidth / 2, HEIGHT - 15, "offered load (messages/s)", "middle")}
${`<text x="18" y="${MARGIN.top + plotHeight / 2}" transform="rotate(-90 18 ${MARGIN.top + plotHeight / 2})" text-anchor="middle">one-way latency (ms, log scale)</text>`}
</svg>
`;
}

function polyline(steps: StepResult[], value: (step: StepResult) => number, x: (n: number) => number, y: (n: number) => number, color: string, extra: string) {
  const points = steps.map((step) => `${x(step.offeredPerSec).toFixed(1)},${y(value(step)).toFixed(1)}`).join(" ");
  return `<polyline points="${points}" fill="none" stroke="${color}" stroke-width="2"${extra}/>`;
}

function line(x1: number, y1: number, x2: number, y2: number, color: string, width = 1) {
  return `<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" stroke="${color}" stroke-width="${width}"/>`;
}

function text(x: number, y: number, content: string, anchor: "start" | "middle" | "end", color = "#333", size = 12) {
  const escaped = content.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" text-anchor="${anchor}" fill="${color}" font-size="${size}">${escaped}</text>`;
}

function niceCeiling(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return ([1, 1.5, 2, 3, 4, 5, 6, 8, 10].find((factor) => factor * magnitude >= value) ?? 10) * magnitude;
}

function formatRate(rate: number): string {
  return rate >= 1000 ? `${Math.round(rate / 100) / 10}k` : String(Math.round(rate));
}
