import { setDefaultTimeout } from "bun:test";

// Integration and end-to-end tests start real servers and binaries on a shared 2-core machine.
setDefaultTimeout(30_000);
