import { z } from "zod";

/**
 * Name rules, shared by users and groups so people only learn one:
 * 3 to 32 characters, lower-case ASCII letters, digits, `_`, `-` and `.`,
 * starting with a letter. Names are case-insensitive: input is trimmed and
 * lower-cased before it is checked, so `Alice` and `alice` are one account.
 */
export const NAME_PATTERN = /^[a-z][a-z0-9_.-]{2,31}$/;
export const NAME_RULES =
  "3 to 32 characters: letters a-z, digits, '_', '-' or '.', starting with a letter (case does not matter)";

export const Name = z
  .string()
  .trim()
  .toLowerCase()
  .regex(NAME_PATTERN, { message: `a name must be ${NAME_RULES}` });

/**
 * A name as typed at register and login. Only ASCII case is folded (`Alice` is `alice`); a name with
 * leading or trailing whitespace, or with a character that lower-cases into a-z from outside ASCII
 * (the Kelvin sign U+212A becomes `k`, the dotted capital I U+0130 becomes `i`), is refused with
 * `bad_request` rather than silently taken as another account's name.
 */
export const AccountName = z
  .string()
  .refine((value) => value === value.trim(), { message: "a name may not start or end with whitespace" })
  .refine((value) => !/[^\x00-\x7f]/.test(value) || !NAME_PATTERN.test(value.toLowerCase()), {
    message: "a name may only use ASCII characters: one outside ASCII would be folded into another name",
  })
  .pipe(Name);

/**
 * How a deleted account appears wherever its name would (the sender of the messages it left, the other
 * side of a direct conversation, reactions, read marks): not a valid name, so nobody registers or addresses it.
 */
export const DELETED_ACCOUNT = "deleted account";

/** A user as the server names them to others: their name, or `deleted account` once the account was deleted. */
export const UserLabel = z.union([z.literal(DELETED_ACCOUNT), Name]);

/** Groups are addressed with a leading `#` (`#team`) wherever a user name could also stand. */
export const GROUP_PREFIX = "#";

/**
 * A recipient: a user name, or a group name with its `#`; or `deleted account`, the other side of a direct
 * conversation whose account was deleted (in frames; sending there is refused with `account_deleted`).
 */
export const Recipient = z
  .string()
  .trim()
  .toLowerCase()
  .refine((value) => value === DELETED_ACCOUNT || NAME_PATTERN.test(value.startsWith(GROUP_PREFIX) ? value.slice(1) : value), {
    message: `a recipient is a user name or #group, each ${NAME_RULES}`,
  });

export function isGroupAddress(recipient: string): boolean {
  return recipient.startsWith(GROUP_PREFIX);
}

export const ID_RULES = "1 to 64 characters of A-Z, a-z, 0-9, '_' or '-'";

/** Client-chosen event id: unique in its conversation, reused on every retry of the same event. */
export const MessageId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { message: `an id is ${ID_RULES}` });

/** A request id, chosen by the client to match replies to requests. */
export const RequestId = MessageId;

export const Password = z
  .string()
  .min(8, { message: "a password has at least 8 characters" })
  .max(256, { message: "a password has at most 256 characters" });

/**
 * Free text people type (messages, device names): anything but what no store
 * can keep as sent, lone UTF-16 surrogate halves and NUL, so what is delivered
 * live and what history returns later are always the same characters.
 */
export const FreeText = z.string().refine((text) => text.isWellFormed() && !text.includes("\u0000"), {
  message: "text must be valid Unicode without NUL characters",
});

export const DeviceName = FreeText.pipe(z.string().trim().min(1).max(64));
