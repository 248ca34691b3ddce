/** Rejects with `DeadlineExceeded` if `work` has not settled within `ms`: for calls to a service that may hang while it reconnects. */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: Timer | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

export class DeadlineExceeded extends Error {
  override name = "DeadlineExceeded";
}
