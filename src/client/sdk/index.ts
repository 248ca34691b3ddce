export * from "./address.ts";
export * from "./api.ts";
export * from "./backoff.ts";
export * from "./connection.ts";
export * from "./errors.ts";
export * from "./presence-book.ts";
export * from "./state-file.ts";
export * from "./state-lock.ts";
