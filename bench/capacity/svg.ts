/**
 * Small standalone SVG charts for the capacity results: bars (one value per
 * label) and lines (y against x), several panels side by side. Hand-written
 * text, no dependency.
 */

export interface BarPanel {
  kind: "bars";
  title: string;
  unit: string;
  bars: Array<{ label: string; value: number }>;
}

export interface LinePanel {
  kind: "lines";
  title: string;
  xLabel: string;
  unit: string;
  series: Array<{ label: string; points: Array<[number, number]> }>;
}

export type Panel = BarPanel | LinePanel;

const PANEL = { width: 360, height: 260, left: 64, right: 16, top: 40, bottom: 44 };
const COLORS = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e"];

export function renderPanels(title: string, panels: Panel[]): string {
  const width = PANEL.width * panels.length;
  const height = PANEL.height + 30;
  const body = panels.map((panel, index) => `<g transform="translate(${index * PANEL.width},30)">${panel.kind === "bars" ? bars(panel) : lines(panel)}</g>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    text(width / 2, 20, title, "middle", 14),
    ...body,
    "</svg>",
    "",
  ].join("\n");
}

function bars(panel: BarPanel): string {
  const { plotWidth, plotHeight } = plotSize();
  const max = niceCeiling(Math.max(...panel.bars.map((bar) => bar.value), 1e-9));
  const slot = plotWidth / Math.max(1, panel.bars.length);
  const parts = [frame(panel.title, panel.unit, max, (value) => PANEL.top + plotHeight - (value / max) * plotHeight)];
  panel.bars.forEach((bar, index) => {
    const height = (bar.value / max) * plotHeight;
    const x = PANEL.left + index * slot + slot * 0.2;
    parts.push(`<rect x="${x.toFixed(1)}" y="${(PANEL.top + plotHeight - height).toFixed(1)}" width="${(slot * 0.6).toFixed(1)}" height="${height.toFixed(1)}" fill="${COLORS[index % COLORS.length]}"/>`);
    parts.push(text(x + slot * 0.3, PANEL.top + plotHeight - height - 4, format(bar.value), "middle"));
    parts.push(text(x + slot * 0.3, PANEL.top + plotHeight + 16, bar.label, "middle"));
  });
  return parts.join("\n");
}

function lines(panel: LinePanel): string {
  const { plotWidth, plotHeight } = plotSize();
  const points = panel.series.flatMap((series) => series.points);
  const maxX = niceCeiling(Math.max(...points.map(([x]) => x), 1e-9));
  const maxY = niceCeiling(Math.max(...points.map(([, y]) => y), 1e-9));
  const x = (value: number) => PANEL.left + (value / maxX) * plotWidth;
  const y = (value: number) => PANEL.top + plotHeight - (value / maxY) * plotHeight;
  const parts = [frame(panel.title, panel.unit, maxY, y)];
  for (let i = 0; i <= 4; i++) parts.push(text(x((maxX * i) / 4), PANEL.top + plotHeight + 16, format((maxX * i) / 4), "middle"));
  parts.push(text(PANEL.left + plotWidth / 2, PANEL.top + plotHeight + 34, panel.xLabel, "middle"));
  panel.series.forEach((series, index) => {
    const color = COLORS[index % COLORS.length];
    const path = series.points.map(([px, py]) => `${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(" ");
    parts.push(`<polyline points="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const [px, py] of series.points) parts.push(`<circle cx="${x(px).toFixed(1)}" cy="${y(py).toFixed(1)}" r="3" fill="${color}"/>`);
    if (panel.series.length > 1) parts.push(text(PANEL.left + 8, PANEL.top + 14 + index * 14, series.label, "start", 11, color));
  });
  return parts.join("\n");
}

/** The panel's title, box and y axis (five ticks from 0 to max). */
function frame(title: string, unit: string, max: number, y: (value: number) => number): string {
  const { plotWidth, plotHeight } = plotSize();
  const parts = [text(PANEL.width / 2, 16, title, "middle", 12)];
  for (let i = 0; i <= 4; i++) {
    const value = (max * i) / 4;
    parts.push(`<line x1="${PANEL.left}" y1="${y(value).toFixed(1)}" x2="${PANEL.left + plotWidth}" y2="${y(value).toFixed(1)}" stroke="#eee"/>`);
    parts.push(text(PANEL.left - 6, y(value) + 4, format(value), "end"));
  }
  parts.push(`<rect x="${PANEL.left}" y="${PANEL.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#999"/>`);
  parts.push(text(12, PANEL.top + plotHeight / 2, unit, "middle", 11, "#333", -90));
  return parts.join("\n");
}

function plotSize() {
  return { plotWidth: PANEL.width - PANEL.left - PANEL.right, plotHeight: PANEL.height - PANEL.top - PANEL.bottom };
}

function text(x: number, y: number, content: string, anchor: "start" | "middle" | "end", size = 11, fill = "#333", rotate = 0): string {
  const transform = rotate ? ` transform="rotate(${rotate} ${x.toFixed(1)} ${y.toFixed(1)})"` : "";
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" text-anchor="${anchor}" font-size="${size}" fill="${fill}"${transform}>${escape(content)}</text>`;
}

function escape(content: string): string {
  return content.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function niceCeiling(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * magnitude) return step * magnitude;
  return 10 * magnitude;
}

function format(value: number): string {
  if (value >= 1e6) return `${+(value / 1e6).toFixed(2)}M`;
  if (value >= 1e4) return `${+(value / 1e3).toFixed(1)}k`;
  return `${value >= 10 ? Math.round(value) : +value.toPrecision(3)}`;
}
