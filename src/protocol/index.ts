export * from "./errors.ts";
export * from "./events.ts";
export * from "./frames.ts";
export * from "./http.ts";
export * from "./names.ts";
export * from "./validation.ts";
export * from "./groups.ts";
export * from "./routes.ts";
