import { createHash } from "node:crypto";

/**
 * `items` ordered by rendezvous (highest random weight) hashing for `key`: each item's weight is a hash of the
 * key and the item's name, so every process orders them alike without sharing state, and removing one item
 * moves only the keys that ranked it first.
 */
export function rendezvousOrder<Item>(key: string, items: readonly Item[], nameOf: (item: Item) => string): Item[] {
  return items
    .map((item) => ({ item, weight: createHash("sha256").update(`${key}\n${nameOf(item)}`).digest().readBigUInt64BE(0) }))
    .sort((first, second) => (first.weight > second.weight ? -1 : first.weight < second.weight ? 1 : 0))
    .map((entry) => entry.item);
}
