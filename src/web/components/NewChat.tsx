import { useState } from "preact/hooks";
import { Name } from "../../protocol/names.ts";
import type { ChatApp } from "../model.ts";
import { Dialog } from "./Dialog.tsx";

export function NewChatDialog({ app, onClose }: { app: ChatApp; onClose: () => void }) {
  const [name, setName] = useState("");
  const [error, setError] = useState<string>();
  return (
    <Dialog title="New chat" onClose={onClose}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          const parsed = Name.safeParse(name);
          if (!parsed.success) return setError(parsed.error.issues[0]?.message);
          if (parsed.data === app.me.value?.user) return setError("That is you: give someone else's name.");
          app.openChat(parsed.data);
          onClose();
        }}
      >
        <label>
          Name
          <input autofocus autocapitalize="off" spellcheck={false} value={name} onInput={(event) => setName(event.currentTarget.value)} />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit">Start chat</button>
      </form>
    </Dialog>
  );
}

export function NewGroupDialog({ app, onClose }: { app: ChatApp; onClose: () => void }) {
  const [name, setName] = useState("");
  const [members, setMembers] = useState("");
  const [error, setError] = useState<string>();
  return (
    <Dialog title="New group" onClose={onClose}>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          try {
            const list = members.split(/[\s,]+/).filter(Boolean);
            const group = await app.api.createGroup("", name.replace(/^#/, "").trim().toLowerCase(), list);
            app.touch(`#${group.name}`, undefined, group.conv);
            app.openChat(`#${group.name}`);
            onClose();
          } catch (failure) {
            setError((failure as Error).message);
          }
        }}
      >
        <label>
          Group name
          <input autofocus autocapitalize="off" value={name} onInput={(event) => setName(event.currentTarget.value)} />
        </label>
        <label>
          Members
          <input autocapitalize="off" placeholder="bob, carol" value={members} onInput={(event) => setMembers(event.currentTarget.value)} />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit">Create group</button>
      </form>
    </Dialog>
  );
}
