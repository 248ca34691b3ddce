import { useState } from "preact/hooks";
import { Name, Password } from "../../protocol/names.ts";
import type { ChatApp } from "../model.ts";

/** Log in or register, with the same name and password rules (and sentences) as the terminal client. */
export function Login({ app }: { app: ChatApp }) {
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [invite, setInvite] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (register: boolean) => {
    const checkedName = Name.safeParse(name);
    if (!checkedName.success) return setError(`Name: ${checkedName.error.issues[0]?.message ?? "not valid"}.`);
    const checkedPassword = Password.safeParse(password);
    if (!checkedPassword.success) return setError(`Password: ${checkedPassword.error.issues[0]?.message ?? "not valid"}.`);
    setBusy(true);
    setError(undefined);
    try {
      await app.login(checkedName.data, checkedPassword.data, register, invite.trim() || undefined);
    } catch (failure) {
      const code = (failure as { code?: string }).code;
      const message = (failure as Error).message;
      setError(code === "unknown_user" ? `${message} Press Register to create the account.` : message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="login">
      <form
        aria-labelledby="login-title"
        onSubmit={(event) => {
          event.preventDefault();
          void submit(false);
        }}
      >
        <h1 id="login-title">Chat</h1>
        <label>
          Name
          <input name="name" autocomplete="username" autocapitalize="off" spellcheck={false} required value={name} onInput={(event) => setName(event.currentTarget.value)} />
        </label>
        <label>
          Password
          <input name="password" type="password" autocomplete="current-password" required value={password} onInput={(event) => setPassword(event.currentTarget.value)} />
        </label>
        <label>
          Invite code <small>(to register, when the server asks for one)</small>
          <input name="invite" autocomplete="off" autocapitalize="off" spellcheck={false} value={invite} onInput={(event) => setInvite(event.currentTarget.value)} />
        </label>
        <p class="hint">Names: 3 to 32 letters a-z, digits, _ - or ., starting with a letter. Passwords: at least 8 characters.</p>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="row">
          <button type="submit" disabled={busy}>
            Log in
          </button>
          <button type="button" class="secondary" disabled={busy} onClick={() => void submit(true)}>
            Register
          </button>
        </div>
      </form>
    </main>
  );
}
