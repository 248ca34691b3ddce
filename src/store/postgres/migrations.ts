import type { SQL } from "bun";
import init from "./001_init.sql" with { type: "text" };
import groupsPrivacyPresence from "./002_groups_privacy_presence.sql" with { type: "text" };
import events from "./003_events.sql" with { type: "text" };
import invites from "./004_invites.sql" with { type: "text" };
import deactivation from "./005_deactivation.sql" with { type: "text" };
import contacts from "./006_contacts.sql" with { type: "text" };
import accountDeletion from "./007_account_deletion.sql" with { type: "text" };
import attachments from "./008_attachments.sql" with { type: "text" };

/** Applied in order; a migration's version is its position + 1. Never edit one that has shipped: append a new one. */
export const MIGRATIONS: readonly string[] = [init, groupsPrivacyPresence, events, invites, deactivation, contacts, accountDeletion, attachments];

/**
 * Brings `schema` up to the latest migration. Several servers may start at
 * once against the same database: an advisory lock per schema lets one of
 * them migrate while the others wait, then find nothing left to do.
 */
export async function migrate(sql: SQL, schema: string): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(hashtext(${`chat-migrations:${schema}`}))`;
    // CREATE SCHEMA IF NOT EXISTS still needs the right to create schemas; a deployment
    // whose role may only use an existing schema (public, say) must get past this.
    const [existing] = await tx`SELECT 1 FROM pg_namespace WHERE nspname = ${schema}`;
    if (!existing) await tx`CREATE SCHEMA ${sql(schema)}`;
    // The connections' search_path names the schema already; this covers one created just now.
    await tx`SELECT set_config('search_path', ${schema}, true)`;
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`;
    const [applied] = await tx<{ version: number }[]>`SELECT coalesce(max(version), 0)::int AS version FROM schema_migrations`;
    const version = applied?.version ?? 0;
    if (version > MIGRATIONS.length) {
      throw new Error(
        `the database schema "${schema}" is at version ${version}, newer than this server knows (${MIGRATIONS.length}); upgrade the server`,
      );
    }
    for (const [index, migration] of MIGRATIONS.entries()) {
      if (index < version) continue;
      await tx.unsafe(migration);
      await tx`INSERT INTO schema_migrations (version) VALUES (${index + 1})`;
    }
  });
}
