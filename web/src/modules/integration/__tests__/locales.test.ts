import { describe, expect, it } from 'vitest';
import { COMPARATORS } from '../../../../../engines/matching/comparisons.ts';
import { en, zh } from '../locales.ts';

// The review page and the model page name each comparison level a pair reached: every one the engine has.
describe('comparison level names', () => {
  const levels = [...new Set(Object.values(COMPARATORS).flatMap((c) => c.levels))];
  it.each([['zh', zh], ['en', en]] as const)('%s names every level of every comparison', (_, locale) => {
    const named = locale.integration.level as Record<string, string>;
    expect(levels.filter((l) => !named[l])).toEqual([]);
  });
});
