/** LIKE / ILIKE patterns from user text: the text's own %, _ and \ match themselves, not any characters. */

/** e.g. escapeLike('50%_off') → '50\%\_off' (PostgreSQL's default escape character is the backslash). */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, '\\$&');

/** A pattern matching values that contain `text` anywhere. e.g. containing('a%') → '%a\%%'. */
export const containing = (text: string) => `%${escapeLike(text)}%`;
