/** UI strings of the integration module, under the top-level key `integration`. */
export const zh = { integration: {} };
export const en: typeof zh = { integration: {} };
