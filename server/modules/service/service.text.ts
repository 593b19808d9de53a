/**
 * Tokens for similar-case search: runs of CJK characters become their adjacent pairs (a single
 * character stays as is), latin words and numbers become lower-case words of 2+ characters.
 * @example textTokens('信用卡年费 annual fee') // ['信用', '用卡', '卡年', '年费', 'annual', 'fee']
 */
export function textTokens(text: string): string[] {
  const out = new Set<string>();
  const s = text.toLowerCase();
  for (const run of s.match(/[\u3400-\u9fff\uf900-\ufaff]+/g) ?? []) {
    const chars = [...run];
    if (chars.length === 1) out.add(chars[0]);
    for (let i = 0; i + 1 < chars.length; i++) out.add(chars[i] + chars[i + 1]);
  }
  for (const word of s.match(/[a-z0-9]+/g) ?? []) if (word.length >= 2) out.add(word);
  return [...out];
}

/**
 * Jaccard overlap of two token sets, plus a bonus when the category matches, so a case of the same
 * category with similar words ranks first.
 * @example similarityScore(4, 10, 8, true) // 4 / 14 + 0.2
 */
export function similarityScore(common: number, queryTokens: number, caseTokens: number, sameCategory: boolean): number {
  const union = queryTokens + caseTokens - common;
  return (union > 0 ? common / union : 0) + (sameCategory ? 0.2 : 0);
}
