import { useEffect, useState } from "preact/hooks";
import type { DeviceList, PrivacySettings } from "../../protocol/index.ts";
import { shortWhen } from "../format.ts";
import type { ChatApp } from "../model.ts";
import { AccountSettings } from "./AccountSettings.tsx";

/** Privacy switches, the account's devices (each can be logged out), the account itself, and logging out. */
export function Settings({ app }: { app: ChatApp }) {
  const [privacy, setPrivacy] = useState<PrivacySettings>();
  const [devices, setDevices] = useState<DeviceList["devices"]>([]);
  const refresh = async () => {
    try {
      const [settings, list] = await Promise.all([app.api.privacy(""), app.api.devices("")]);
      setPrivacy(settings);
      setDevices(list.devices);
    } catch (error) {
      app.notify((error as Error).message);
    }
  };
  useEffect(() => void refresh(), []);
  const change = async (update: Partial<PrivacySettings>) => {
    try {
      setPrivacy(await app.api.setPrivacy("", update));
    } catch (error) {
      app.notify((error as Error).message);
    }
  };
  return (
    <div class="settings">
      <section aria-labelledby="privacy-title">
        <h3 id="privacy-title">Privacy</h3>
        {privacy && (
          <>
            <label class="switch">
              <input type="checkbox" role="switch" checked={!privacy.hideLastSeen} onChange={(event) => void change({ hideLastSeen: !event.currentTarget.checked })} />
              Show when I was last seen
            </label>
            <label class="switch">
              <input type="checkbox" role="switch" checked={privacy.readReceipts} onChange={(event) => void change({ readReceipts: event.currentTarget.checked })} />
              Send read receipts
            </label>
            <label>
              Who may add me to groups{" "}
              <select value={privacy.groupAdds} onChange={(event) => void change({ groupAdds: event.currentTarget.value as PrivacySettings["groupAdds"] })}>
                <option value="everyone">Everyone</option>
                <option value="contacts">My contacts</option>
                <option value="nobody">Nobody</option>
              </select>
            </label>
            <p class="hint">Others can only invite you; you join if you accept.</p>
          </>
        )}
      </section>
      <section aria-labelledby="devices-title">
        <h3 id="devices-title">Devices</h3>
        <ul class="devices">
          {devices.map((device) => (
            <li key={device.id}>
              <span>
                {device.name || `device ${device.id}`}
                {device.current ? " (this one)" : ""} <small>active {shortWhen(device.lastActive)}</small>
              </span>
              {!device.current && (
                <button
                  type="button"
                  class="secondary"
                  aria-label={`Log out ${device.name || `device ${device.id}`}`}
                  onClick={async () => {
                    await app.api.revokeDevice("", device.id).catch((error) => app.notify((error as Error).message));
                    await refresh();
                  }}
                >
                  Log out device
                </button>
              )}
            </li>
          ))}
        </ul>
      </section>
      <AccountSettings app={app} devicesChanged={() => void refresh()} />
      <button type="button" class="danger" onClick={() => void app.logout()}>
        Log out
      </button>
    </div>
  );
}
