/**
 * Names an attacker would try to pass off as someone else's: a name that only
 * differs by surrounding whitespace, or by a character outside ASCII that
 * lower-cases into a-z (the Kelvin sign U+212A becomes `k`). Each is refused
 * with `bad_request` at register and at login, on every deployment, instead of
 * being mapped onto the existing account.
 */
import { describe, expect, test } from "bun:test";
import { ErrorBody } from "../../src/protocol/index.ts";
import { cleanupAfterEach } from "../helpers/cleanups.ts";
import { DEPLOYMENT_KINDS } from "../helpers/deployments.ts";
import { registerUser, TEST_PASSWORD } from "../helpers/server.ts";

const KELVIN = "\u212A";

function post(url: string, path: string, body: unknown) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (path.startsWith("/api/browser/")) Object.assign(headers, { "x-chat-csrf": "1", origin: url });
  return fetch(`${url}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
}

const SPOOFS = [`${KELVIN}elvin`, " kelvin", "kelvin ", "\tkelvin", "kelvin\u00a0"];

for (const kind of DEPLOYMENT_KINDS) {
  describe(kind.name, () => {
    const defer = cleanupAfterEach();

    test("a name that folds or trims into an existing one cannot log in as it, nor register beside it", async () => {
      const chat = await kind.start({ loginFailures: 0 });
      defer(() => chat.cleanup());
      await registerUser(chat, "kelvin");
      for (const name of SPOOFS) {
        for (const path of ["/api/login", "/api/register", "/api/browser/login", "/api/browser/register"]) {
          const response = await post(chat.url, path, { name, password: TEST_PASSWORD });
          expect({ name, path, status: response.status }).toEqual({ name, path, status: 400 });
          const error = ErrorBody.parse(await response.json()).error;
          expect(error.code).toBe("bad_request");
          expect(error.message).toContain("name");
        }
      }
      // The plain name, in any ASCII case, is still the one account.
      expect((await post(chat.url, "/api/login", { name: "Kelvin", password: TEST_PASSWORD })).status).toBe(200);
      expect((await post(chat.url, "/api/register", { name: "KELVIN", password: TEST_PASSWORD })).status).toBe(409);
    });

    test("a Kelvin-sign name is refused also when nobody has the name it folds into", async () => {
      const chat = await kind.start();
      defer(() => chat.cleanup());
      const response = await post(chat.url, "/api/register", { name: `${KELVIN}ate`, password: TEST_PASSWORD });
      expect(response.status).toBe(400);
      expect(ErrorBody.parse(await response.json()).error.message).toContain("ASCII");
      expect((await post(chat.url, "/api/login", { name: "kate", password: TEST_PASSWORD })).status).toBe(404);
    });
  });
}
