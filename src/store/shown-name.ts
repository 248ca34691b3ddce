import { DELETED_ACCOUNT } from "../protocol/names.ts";

/**
 * SQL for the name others see of user row `alias` (the same in SQLite and PostgreSQL): its name, or
 * "deleted account" once deleted (the row then holds '~<id>' only to keep names unique).
 */
export function shownName(alias: string): string {
  return `CASE WHEN ${alias}.deleted_at IS NULL THEN ${alias}.name ELSE '${DELETED_ACCOUNT}' END`;
}

/** The shown name of the user row aliased `u`, as most queries join it. */
export const SHOWN_NAME = shownName("u");
