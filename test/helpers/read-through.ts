/**
 * Gives `target` (a new object by default) the `keys` of `current()` as getters that read it anew each time.
 * Fixtures hand such an object to a test file at load time, before their `beforeAll` hooks start what it reads;
 * reading a key earlier throws whatever `current` throws.
 */
export function readThrough<T extends object, K extends keyof T, Target extends object = object>(
  current: () => T,
  keys: readonly K[],
  target: Target = {} as Target,
): Target & Pick<T, K> {
  for (const key of keys) Object.defineProperty(target, key, { get: () => current()[key], enumerable: true });
  return target as Target & Pick<T, K>;
}
