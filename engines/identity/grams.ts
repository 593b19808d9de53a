/**
 * The search keys of a name for "contains" matching: every character and every pair of adjacent
 * characters, lower-cased, spaces dropped. A query matches when its own grams are all present.
 * @example nameGrams('张伟') // ['张', '伟', '张伟']
 */
export function nameGrams(name: string): string[] {
  const chars = [...name.toLowerCase().replace(/\s+/g, '')];
  const grams = new Set<string>(chars);
  for (let i = 0; i + 1 < chars.length; i++) grams.add(chars[i] + chars[i + 1]);
  return [...grams];
}

/**
 * The grams a query must find: its pairs (or its one character), enough to narrow the index
 * lookup; the caller still checks the whole query with LIKE.
 * @example queryGrams('张小伟') // ['张小', '小伟']
 */
export function queryGrams(query: string): string[] {
  const chars = [...query.toLowerCase().replace(/\s+/g, '')];
  if (chars.length <= 1) return chars;
  const grams = new Set<string>();
  for (let i = 0; i + 1 < chars.length; i++) grams.add(chars[i] + chars[i + 1]);
  return [...grams];
}
