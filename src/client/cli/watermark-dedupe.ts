/** Remembers the highest receipt watermark shown per conversation, member and kind, so a repeat is not shown again. */
export class WatermarkDedupe {
  private readonly highest = new Map<string, number>();

  isNew(conv: number, by: string, kind: "delivered" | "read", seq: number): boolean {
    const key = `${conv}\u0000${by}\u0000${kind}`;
    if ((this.highest.get(key) ?? -1) >= seq) return false;
    this.highest.set(key, seq);
    return true;
  }
}
