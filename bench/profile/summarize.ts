/**
 * Reads a `--cpu-prof` profile (Chrome .cpuprofile format) and says where the
 * CPU went: functions by self time, our own functions (src/) by inclusive
 * time, and files by self time. Also runnable: `bun bench/profile/summarize.ts FILE`.
 *
 * Shares are of samples, not of the time gaps between them: Bun's sampler takes
 * samples only while the thread runs JavaScript or native code called from it, so
 * a gap that spans the thread waiting for the network would credit that wait to
 * whatever ran just before it.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const ROOT = `file://${process.cwd()}/`;

export function summarizeProfile(profile: CpuProfile, limit = 12): string[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  let total = 0;
  for (const id of profile.samples) {
    self.set(id, (self.get(id) ?? 0) + 1);
    total++;
  }
  const interval = medianOf(profile.timeDeltas.filter((delta) => delta > 0));
  const wall = profile.timeDeltas.reduce((sum, delta) => sum + delta, 0);

  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const selfByFrame = new Map<string, number>();
  const inclusiveByFrame = new Map<string, number>();
  const selfByFile = new Map<string, number>();
  for (const [id, samples] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const frame = describe(node);
    selfByFrame.set(frame, (selfByFrame.get(frame) ?? 0) + samples);
    const file = fileOf(node);
    selfByFile.set(file, (selfByFile.get(file) ?? 0) + samples);
    // Credit each of our functions on the stack once, however deep the recursion.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const ancestor = byId.get(at);
      if (!ancestor || !fileOf(ancestor).startsWith("src/")) continue;
      const name = describe(ancestor);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusiveByFrame.set(name, (inclusiveByFrame.get(name) ?? 0) + samples);
    }
  }

  const share = (samples: number) => `${((samples / Math.max(1, total)) * 100).toFixed(1).padStart(5)}%`;
  const top = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, samples]) => `  ${share(samples)}  ${name}`);
  return [
    `${total} samples, about ${((total * interval) / 1e6).toFixed(2)} s of CPU at the median interval of ${interval} µs, over ${(wall / 1e6).toFixed(1)} s`,
    "Self time by function:",
    ...top(selfByFrame),
    "Inclusive time of our code (src/):",
    ...top(inclusiveByFrame),
    "Self time by file:",
    ...top(selfByFile),
  ];
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function describe(node: ProfileNode): string {
  const { functionName, lineNumber } = node.callFrame;
  const file = fileOf(node);
  return `${functionName || "(anonymous)"}${file.startsWith("(") ? "" : `  ${file}:${lineNumber + 1}`}`;
}

function fileOf(node: ProfileNode): string {
  const { url } = node.callFrame;
  if (!url) return "(native)";
  return url.startsWith(ROOT) ? url.slice(ROOT.length) : url.replace(/^file:\/\//, "");
}

if (import.meta.main) {
  const path = process.argv[2];
  if (!path) {
    console.error("usage: bun bench/profile/summarize.ts FILE.cpuprofile");
    process.exit(2);
  }
  console.log(summarizeProfile(await Bun.file(path).json(), 20).join("\n"));
}
