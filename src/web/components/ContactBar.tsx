import type { ChatApp } from "../model.ts";

/**
 * Under a direct chat's header: for someone the user does not count as a contact, who they are to the
 * user and the choices (accept, block, or just ignore it); for someone blocked, a way back.
 */
export function ContactBar({ app, peer }: { app: ChatApp; peer: string }) {
  const contacts = app.contacts;
  if (contacts.blocked.value.has(peer)) {
    return (
      <div class="contact-bar" role="status">
        <span>You blocked {peer}: nothing they send reaches you.</span>
        <button type="button" class="secondary" onClick={() => void contacts.unblock(peer)}>
          Unblock
        </button>
      </div>
    );
  }
  if (!contacts.isStranger(peer)) return null;
  return (
    <div class="contact-bar" role="status">
      <span>{peer} is not in your contacts. Accept to share when you are online, typing and have read.</span>
      <button type="button" onClick={() => void contacts.accept(peer)}>
        Accept
      </button>
      <button type="button" class="danger" onClick={() => void contacts.block(peer)}>
        Block
      </button>
    </div>
  );
}

/** Invitations to groups, above the chat list, each to join or decline. */
export function GroupInvites({ app }: { app: ChatApp }) {
  const invites = app.contacts.invites.value;
  if (invites.length === 0) return null;
  return (
    <ul class="invites" aria-label="Group invitations">
      {invites.map((invite) => (
        <li key={invite.group}>
          <span>
            {invite.from} invited you to #{invite.group}
          </span>
          <button type="button" onClick={() => void app.contacts.answer(invite.group, true)}>
            Join
          </button>
          <button type="button" class="secondary" onClick={() => void app.contacts.answer(invite.group, false)}>
            Decline
          </button>
        </li>
      ))}
    </ul>
  );
}
