/**
 * Preloaded into the app when the bench profiles it (`--profile`): the first
 * SIGUSR2 starts Bun's CPU profiler, the second stops it and writes the
 * profile (.cpuprofile format) to $BENCH_PROFILE_FILE. The load generator
 * sends both around the measured steps only, so account creation (argon2)
 * and start-up stay out of the picture, unlike `bun --cpu-prof`.
 */
import { Session } from "node:inspector";

const file = process.env.BENCH_PROFILE_FILE;
if (!file) throw new Error("BENCH_PROFILE_FILE must name the file the profile goes to");

const session = new Session();
session.connect();
// The typed overloads list each method; this one helper only needs the untyped form.
const untypedPost = session.post.bind(session) as (method: string, params: object, callback: (error: Error | null, result: unknown) => void) => void;
const post = <T>(method: string) =>
  new Promise<T>((resolve, reject) => untypedPost(method, {}, (error, result) => (error ? reject(error) : resolve(result as T))));

let running = false;
process.on("SIGUSR2", async () => {
  running = !running;
  if (running) {
    await post("Profiler.enable");
    await post("Profiler.start");
    return;
  }
  const { profile } = await post<{ profile: unknown }>("Profiler.stop");
  await Bun.write(file, JSON.stringify(profile));
});
