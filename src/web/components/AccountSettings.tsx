import { useState } from "preact/hooks";
import { Password } from "../../protocol/names.ts";
import type { ChatApp } from "../model.ts";

/** The account itself: a new password, a copy of one's data, and deleting the account. */
export function AccountSettings({ app, devicesChanged }: { app: ChatApp; devicesChanged: () => void }) {
  return (
    <>
      <PasswordChange app={app} devicesChanged={devicesChanged} />
      <section aria-labelledby="export-title">
        <h3 id="export-title">Your data</h3>
        <p class="hint">Your messages, groups, devices and settings, as one JSON file.</p>
        {/* A plain link: the session cookie goes with it, and the server answers with a download. */}
        <a class="button secondary" href="/api/export" download>
          Download my data
        </a>
      </section>
      <AccountDeletion app={app} />
    </>
  );
}

function PasswordChange({ app, devicesChanged }: { app: ChatApp; devicesChanged: () => void }) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [logOutOthers, setLogOutOthers] = useState(true);
  const [result, setResult] = useState<{ ok: boolean; text: string }>();
  const submit = async () => {
    const checked = Password.safeParse(next);
    if (!checked.success) return setResult({ ok: false, text: `New password: ${checked.error.issues[0]?.message ?? "not valid"}.` });
    try {
      const { loggedOut } = await app.api.changePassword("", { currentPassword: current, newPassword: checked.data, logOutOtherDevices: logOutOthers });
      setCurrent("");
      setNext("");
      setResult({ ok: true, text: logOutOthers ? `Password changed; ${loggedOut} other device${loggedOut === 1 ? " was" : "s were"} logged out.` : "Password changed; your other devices stay logged in." });
      devicesChanged();
    } catch (error) {
      setResult({ ok: false, text: (error as Error).message });
    }
  };
  return (
    <form
      aria-labelledby="password-title"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <h3 id="password-title">Password</h3>
      <label>
        Current password
        <input type="password" autocomplete="current-password" required value={current} onInput={(event) => setCurrent(event.currentTarget.value)} />
      </label>
      <label>
        New password
        <input type="password" autocomplete="new-password" required value={next} onInput={(event) => setNext(event.currentTarget.value)} />
      </label>
      <label class="switch">
        <input type="checkbox" checked={logOutOthers} onChange={(event) => setLogOutOthers(event.currentTarget.checked)} />
        Log out my other devices
      </label>
      {result && (
        <p class={result.ok ? "hint" : "error"} role={result.ok ? "status" : "alert"}>
          {result.text}
        </p>
      )}
      <button type="submit">Change password</button>
    </form>
  );
}

function AccountDeletion({ app }: { app: ChatApp }) {
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string>();
  const submit = async () => {
    try {
      await app.deleteAccount(password);
    } catch (failure) {
      setError((failure as Error).message);
    }
  };
  return (
    <form
      aria-labelledby="delete-title"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <h3 id="delete-title">Delete account</h3>
      <p class="hint">For good: every device is logged out, you leave your groups, and others see your messages as sent by "deleted account".</p>
      <label>
        Password to confirm
        <input type="password" autocomplete="current-password" required value={password} onInput={(event) => setPassword(event.currentTarget.value)} />
      </label>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" class="danger">
        Delete my account
      </button>
    </form>
  );
}
