import { useEffect, useState } from "preact/hooks";
import type { GroupInfo } from "../../protocol/index.ts";
import type { ChatApp } from "../model.ts";

/** Members and admins of a group; admins add, remove and promote members; anyone may leave. */
export function GroupPanel({ app, group }: { app: ChatApp; group: string }) {
  const [info, setInfo] = useState<GroupInfo>();
  const [newMember, setNewMember] = useState("");
  const me = app.me.value!.user;
  const run = async (action: () => Promise<unknown>) => {
    try {
      await action();
      setInfo(await app.api.group("", group));
    } catch (error) {
      app.notify((error as Error).message);
    }
  };
  useEffect(() => void run(async () => undefined), [group]);
  if (!info) return <p aria-busy="true">Loading…</p>;
  const admin = info.members.some((member) => member.name === me && member.role === "admin");
  return (
    <div class="group-panel">
      <p>{info.members.length} members</p>
      <ul class="members" aria-label="Members">
        {info.members.map((member) => (
          <li key={member.name}>
            <span>
              {member.name === me ? "you" : member.name}
              {member.role === "admin" && <small> admin</small>}
            </span>
            {admin && member.name !== me && (
              <span class="row">
                {member.role !== "admin" && (
                  <button type="button" class="secondary" aria-label={`Make ${member.name} an admin`} onClick={() => run(() => app.api.promoteGroupMember("", group, member.name))}>
                    Make admin
                  </button>
                )}
                <button type="button" class="secondary" aria-label={`Remove ${member.name}`} onClick={() => run(() => app.api.removeGroupMember("", group, member.name))}>
                  Remove
                </button>
              </span>
            )}
          </li>
        ))}
      </ul>
      {admin && (
        <form
          class="row"
          onSubmit={(event) => {
            event.preventDefault();
            const user = newMember.trim().toLowerCase();
            if (user) void run(() => app.api.addGroupMember("", group, user)).then(() => setNewMember(""));
          }}
        >
          <label>
            New member
            <input autocapitalize="off" value={newMember} onInput={(event) => setNewMember(event.currentTarget.value)} />
          </label>
          <button type="submit">Add member</button>
        </form>
      )}
      <button type="button" class="danger" onClick={() => run(() => app.api.removeGroupMember("", group, me))}>
        Leave group
      </button>
    </div>
  );
}
