/**
 * `text` cut into consecutive pieces at the given positions (each taken modulo `text.length + 1`, so any
 * fast-check integers will do; repeats are ignored). The pieces join back to `text`; some may be empty.
 */
export function cutAt(text: string, positions: readonly number[]): string[] {
  const points = [...new Set(positions.map((position) => position % (text.length + 1)))].sort((first, second) => first - second);
  return [0, ...points].map((start, index) => text.slice(start, points[index] ?? text.length));
}
