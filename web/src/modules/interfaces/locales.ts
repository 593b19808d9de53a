/** UI strings of the interfaces module, under the top-level key `interfaces`. */
export const zh = { interfaces: {} };
export const en: typeof zh = { interfaces: {} };
