/**
 * How many leading items `a` and `b` share, counting no further than `limit`: the prefix of a prompt a
 * sequence's cached tokens (or a saved state's) can reuse.
 */
export function commonPrefixLength<Item>(a: readonly Item[], b: readonly Item[], limit = Infinity): number {
  const end = Math.min(limit, a.length, b.length);
  let shared = 0;
  while (shared < end && a[shared] === b[shared]) shared += 1;
  return shared;
}
