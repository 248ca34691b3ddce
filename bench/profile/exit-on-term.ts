/**
 * Preloaded into the app only when profiling: Bun writes `--cpu-prof` output
 * on a normal exit, not when a signal kills it. Give the server's own SIGTERM
 * handling a moment, then exit normally.
 */
process.on("SIGTERM", () => {
  setTimeout(() => process.exit(0), 2_000).unref();
});
