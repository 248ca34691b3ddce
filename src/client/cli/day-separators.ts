/** `Monday 30 November`, with the year when it is not this one. */
function dayName(ts: number, now: number): string {
  const date = new Date(ts);
  const weekday = date.toLocaleDateString("en-GB", { weekday: "long" });
  const month = date.toLocaleDateString("en-GB", { month: "long" });
  const year = date.getFullYear() === new Date(now).getFullYear() ? "" : ` ${date.getFullYear()}`;
  return `${weekday} ${date.getDate()} ${month}${year}`;
}

function dayOf(ts: number): string {
  return new Date(ts).toDateString();
}

/**
 * The line `— Monday 30 November —` (or `— Today —`, `— Yesterday —`) before a message of another day
 * than the message shown before it, so that message lines can show the time alone. The screen starts on today.
 */
export class DaySeparators {
  private shownDay: string;

  constructor(private readonly now: () => number = Date.now) {
    this.shownDay = dayOf(now());
  }

  /** The separator to print before a message sent at `ts`, if its day is not the one on screen. */
  before(ts: number): string | undefined {
    const day = dayOf(ts);
    if (day === this.shownDay) return undefined;
    this.shownDay = day;
    const now = this.now();
    if (day === dayOf(now)) return "— Today —";
    const yesterday = new Date(now);
    yesterday.setDate(yesterday.getDate() - 1);
    if (day === yesterday.toDateString()) return "— Yesterday —";
    return `— ${dayName(ts, now)} —`;
  }
}
