import type { Style } from "./format.ts";

/**
 * The prompt: what is going on (`[offline · retrying in 4 s]`, `[bob typing…]`, dim), then where a line
 * goes when Enter is pressed: `> ` with no conversation open, `bob> ` in bob's, and `→ alice> ` while the
 * line being typed starts with another name it will go to.
 */
export function promptText(labels: string, current: string | undefined, destination: string | undefined, style: Style): string {
  const target = current === undefined ? "" : destination !== undefined && destination !== current ? `→ ${style.name(destination)}` : style.name(current);
  return `${labels ? `${style.dim(labels)} ` : ""}${target}> `;
}
