/**
 * PostgreSQL text cannot hold U+0000. Free text (message bodies, device names) is
 * stored with it replaced rather than refused, so one such message cannot fail
 * the whole group-commit batch it travels in.
 */
export const storableText = (text: string): string => text.replaceAll("\u0000", "\uFFFD");
