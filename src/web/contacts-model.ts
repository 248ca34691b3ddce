import { signal } from "@preact/signals";
import type { ContactState, GroupInvite } from "../protocol/index.ts";
import type { ChatApi } from "../client/sdk/api.ts";

/**
 * Whom the user counts as a contact, whom they blocked, and their invitations to groups: read once at
 * login, kept in step by the server's `contact` and `group_invite` frames and by the user's own actions.
 */
export class ContactsModel {
  /** Everyone the user counts as a contact; absent until loaded, so nobody is taken for a stranger before. */
  readonly counted = signal<Set<string> | undefined>(undefined);
  readonly blocked = signal<Set<string>>(new Set());
  readonly invites = signal<GroupInvite[]>([]);

  constructor(
    private readonly api: ChatApi,
    private readonly notify: (text: string) => void,
  ) {}

  async load(): Promise<void> {
    const [list, { invites }] = await Promise.all([this.api.contacts(""), this.api.groupInvites("")]);
    this.counted.value = new Set(list.contacts.map((contact) => contact.name));
    this.blocked.value = new Set(list.blocked);
    this.invites.value = invites;
  }

  /** A direct chat whose other side the user neither counts nor blocked: show who they are and the choices. */
  isStranger(name: string): boolean {
    const counted = this.counted.value;
    return counted !== undefined && !counted.has(name) && !this.blocked.value.has(name);
  }

  changed(user: string, state: ContactState): void {
    const counted = new Set(this.counted.value);
    const blocked = new Set(this.blocked.value);
    if (state === "contact") counted.add(user);
    else counted.delete(user);
    if (state === "blocked") blocked.add(user);
    else blocked.delete(user);
    this.counted.value = counted;
    this.blocked.value = blocked;
  }

  invited(invite: GroupInvite): void {
    this.invites.value = [...this.invites.value.filter((other) => other.group !== invite.group), invite];
  }

  accept(name: string): Promise<void> {
    return this.act(async () => {
      await this.api.addContact("", name);
      this.changed(name, "contact");
    });
  }

  block(name: string): Promise<void> {
    return this.act(async () => {
      await this.api.block("", name);
      this.changed(name, "blocked");
    });
  }

  unblock(name: string): Promise<void> {
    return this.act(async () => {
      await this.api.unblock("", name);
      this.changed(name, "none");
    });
  }

  /** Answers an invitation: join the group, or decline it. */
  answer(group: string, join: boolean): Promise<void> {
    return this.act(async () => {
      if (join) await this.api.acceptGroupInvite("", group);
      else await this.api.declineGroupInvite("", group);
      this.invites.value = this.invites.value.filter((invite) => invite.group !== group);
    });
  }

  private async act(action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      this.notify((error as Error).message);
    }
  }
}
