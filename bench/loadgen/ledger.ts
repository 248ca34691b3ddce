/** Which numbers of one sender a receiver has seen: a contiguous prefix plus the few that arrived early. */
interface SeenNumbers {
  next: number;
  early: Set<number> | null;
}

export type Arrival = "new" | "duplicate" | "unexpected";

/**
 * Counts, at the receivers, what became of each numbered message: delivered
 * once, delivered again (duplicate), or never (lost). Senders number their
 * messages 0, 1, 2… and say how many receivers each should reach; a receiver
 * reports every arrival. Arrivals may come out of order without counting as
 * duplicates; a number the sender never used counts as unexpected.
 */
export class DeliveryLedger {
  private readonly sentBySender = new Map<number, number>();
  private readonly seenByStream = new Map<number, SeenNumbers>();
  private expectedDeliveries = 0;
  delivered = 0;
  duplicates = 0;
  unexpected = 0;
  /** Arrivals ahead of an earlier number from the same sender (not an error for a relay, one for the app). */
  reordered = 0;
  readonly latenciesMs: number[] = [];

  /** `keepLatencies: false` for a caller that keeps its own (by minute, live or replayed): the samples are not held twice. */
  constructor(private readonly options: { keepLatencies: boolean } = { keepLatencies: true }) {}

  /** Records one send that should reach `recipients` receivers; returns its number for this sender. */
  send(sender: number, recipients: number): number {
    const seq = this.sentBySender.get(sender) ?? 0;
    this.sentBySender.set(sender, seq + 1);
    this.expectedDeliveries += recipients;
    return seq;
  }

  /** A send the target refused, saying so: nothing was stored, so no receiver is owed it (refusals are counted apart). */
  withdraw(recipients: number): void {
    this.expectedDeliveries -= recipients;
  }

  receive(receiver: number, sender: number, seq: number, latencyMs: number): Arrival {
    if (!Number.isInteger(seq) || seq < 0 || seq >= (this.sentBySender.get(sender) ?? 0)) {
      this.unexpected++;
      return "unexpected";
    }
    // Streams are keyed by number, not string, to keep the hot path allocation-free; exact below 2^53,
    // that is for up to 2^24 senders (the day scenario's senders are a user in one conversation each).
    const key = receiver * 0x1000000 + sender;
    let seen = this.seenByStream.get(key);
    if (!seen) this.seenByStream.set(key, (seen = { next: 0, early: null }));
    if (seq < seen.next || seen.early?.has(seq)) {
      this.duplicates++;
      return "duplicate";
    }
    if (seq === seen.next) {
      seen.next++;
      while (seen.early?.delete(seen.next)) seen.next++;
    } else {
      this.reordered++;
      (seen.early ??= new Set()).add(seq);
    }
    this.delivered++;
    if (this.options.keepLatencies) this.latenciesMs.push(latencyMs);
    return "new";
  }

  get expected(): number {
    return this.expectedDeliveries;
  }

  /** Deliveries still missing; after the drain wait these are lost. */
  get missing(): number {
    return this.expectedDeliveries - this.delivered;
  }
}
