/** Samples of a Prometheus text page by series (`name{labels}`), after checking every line has the shape of the format. */
export function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.trimEnd().split("\n")) {
    if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
    const match = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (-?[0-9.e+]+|\+Inf|NaN)$/);
    if (!match) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    samples.set(match[1]!, Number(match[2]));
  }
  return samples;
}

/** The samples a server's /metrics shows now. */
export async function scrapeMetrics(server: { url: string }): Promise<Map<string, number>> {
  return parseMetrics(await (await fetch(`${server.url}/metrics`)).text());
}
