/** `T` with each property optional and never `undefined`: what `exactOptionalPropertyTypes` accepts for optional settings. */
export type DefinedProperties<T> = { [K in keyof T]?: Exclude<T[K], undefined> };

/**
 * `properties` without those whose value is `undefined`, to spread into options whose properties are optional:
 * `{ ...definedProperties({ topP, topK }) }` instead of a conditional spread for each.
 */
export function definedProperties<T extends Readonly<Record<string, unknown>>>(properties: T): DefinedProperties<T> {
  return Object.fromEntries(Object.entries(properties).filter(([, value]) => value !== undefined)) as DefinedProperties<T>;
}
