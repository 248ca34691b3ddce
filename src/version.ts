import packageJson from "../package.json" with { type: "json" };

/** The commit a binary was built from: `bun run build` defines it (see package.json); unset when run from source. */
declare const CHAT_BUILD_COMMIT: string | undefined;

/**
 * `chat-client 0.1.0 (commit 1a2b3c4d5e6f)`: the release in package.json and the commit the binary was built
 * from (`-dirty` when the tree had uncommitted changes), for `--version` of both programs.
 */
export function versionLine(program: string): string {
  const commit = typeof CHAT_BUILD_COMMIT === "string" && CHAT_BUILD_COMMIT !== "" ? `commit ${CHAT_BUILD_COMMIT}` : "run from source";
  return `${program} ${packageJson.version} (${commit})`;
}

/** The release and the commit, for the `chat_build_info` metric and the start log line. */
export function buildInfo(): { version: string; commit: string } {
  return { version: packageJson.version, commit: typeof CHAT_BUILD_COMMIT === "string" && CHAT_BUILD_COMMIT !== "" ? CHAT_BUILD_COMMIT : "source" };
}
