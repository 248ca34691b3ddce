import { plugin } from "bun";
import { setDefaultTimeout } from "bun:test";

// Integration and end-to-end tests start real servers and binaries on a shared 2-core machine.
const TIMEOUT_MS = 30_000;
setDefaultTimeout(TIMEOUT_MS);

// Bun 1.4 forgets a preload's setDefaultTimeout after the first test file of a run (oven-sh/bun#43787), and
// bunfig's `timeout` key is not honoured either: every test file gets the call at the start of its first
// line (so line numbers stay), before its tests. Checked: a 6 s test in the second file passes.
plugin({
  name: "default test timeout",
  setup(build) {
    build.onLoad({ filter: /\.test\.tsx?$/ }, async ({ path }) => ({
      contents: `import { setDefaultTimeout as __setDefaultTimeout } from "bun:test"; __setDefaultTimeout(${TIMEOUT_MS}); ${await Bun.file(path).text()}`,
      loader: path.endsWith("x") ? "tsx" : "ts",
    }));
  },
});
