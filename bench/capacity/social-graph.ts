/**
 * The people of the realistic day (issue 17) and who talks to whom, drawn
 * from a seed so that every run has the same graph: each user in a number of
 * direct conversations and of groups, each group of some size, every number
 * uniform in its range.
 */
import { between, seededRandom } from "../seeded-random.ts";

export interface GraphSpec {
  users: number;
  /** Direct conversations per user, inclusive range. */
  directsPerUser: [number, number];
  groupsPerUser: [number, number];
  /** Members per group, inclusive range. */
  groupSize: [number, number];
  seed: number;
}

export interface SocialGraph {
  users: number;
  /** Pairs of users (indices) with a direct conversation; both count each other as contacts. */
  directs: Array<[number, number]>;
  /** Members (indices) of each group. */
  groups: number[][];
}

export function socialGraph(spec: GraphSpec): SocialGraph {
  const random = seededRandom(spec.seed);
  return { users: spec.users, directs: directConversations(spec, random), groups: groupsOf(spec, random) };
}

/**
 * Pairs the users' wanted numbers of partners at random (each user's "stubs" shuffled and paired), dropping
 * a pair with oneself or a repeated pair; then tops up whoever fell under the minimum with users still under
 * the maximum. Degrees land in the range, a few at its edges.
 */
function directConversations(spec: GraphSpec, random: () => number): Array<[number, number]> {
  const { users } = spec;
  const [least, most] = spec.directsPerUser;
  const stubs: number[] = [];
  for (let user = 0; user < users; user++) for (let n = between(random, spec.directsPerUser); n > 0; n--) stubs.push(user);
  shuffle(stubs, random);
  const degree = new Int32Array(users);
  const paired = new Set<number>();
  const pairs: Array<[number, number]> = [];
  const pair = (a: number, b: number) => {
    const key = a < b ? a * users + b : b * users + a;
    if (a === b || paired.has(key)) return false;
    paired.add(key);
    pairs.push([a, b]);
    degree[a]!++;
    degree[b]!++;
    return true;
  };
  for (let i = 0; i + 1 < stubs.length; i += 2) pair(stubs[i]!, stubs[i + 1]!);
  for (let user = 0; user < users; user++) {
    for (let attempts = 0; degree[user]! < least && attempts < 100 * most; attempts++) {
      const other = Math.floor(random() * users);
      if (degree[other]! < most) pair(user, other);
    }
  }
  return pairs;
}

/**
 * Fills groups of random sizes with the users' memberships (each user's shuffled, as above), so that
 * a group never holds anyone twice; a last group smaller than the minimum is topped up with users still
 * under their most groups.
 */
function groupsOf(spec: GraphSpec, random: () => number): number[][] {
  const [smallest] = spec.groupSize;
  const memberships = new Int32Array(spec.users);
  const stubs: number[] = [];
  for (let user = 0; user < spec.users; user++) for (let n = between(random, spec.groupsPerUser); n > 0; n--) stubs.push(user);
  shuffle(stubs, random);
  const groups: number[][] = [];
  let members = new Set<number>();
  let size = between(random, spec.groupSize);
  const close = () => {
    groups.push([...members]);
    members = new Set();
    size = between(random, spec.groupSize);
  };
  for (let i = 0; i < stubs.length; i++) {
    // Someone already in the group trades places with a later membership.
    for (let j = i + 1; members.has(stubs[i]!) && j < stubs.length; j++) [stubs[i], stubs[j]] = [stubs[j]!, stubs[i]!];
    if (members.has(stubs[i]!)) continue;
    members.add(stubs[i]!);
    memberships[stubs[i]!]!++;
    if (members.size === size) close();
  }
  for (let attempts = 0; members.size > 0 && members.size < smallest && attempts < 1000 * smallest; attempts++) {
    const user = Math.floor(random() * spec.users);
    if (!members.has(user) && memberships[user]! < spec.groupsPerUser[1]) {
      members.add(user);
      memberships[user]!++;
    }
  }
  if (members.size > 0) close();
  return groups;
}

function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}
