import type { z } from "zod";

/** One sentence naming each field that is wrong, for error frames, 4xx bodies and CLI messages. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const where = issue.path.length > 0 ? issue.path.join(".") : "value";
      return `${where}: ${issue.message}`;
    })
    .join("; ");
}
