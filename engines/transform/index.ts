export * from './values.ts';
export * from './code-tables.ts';
export * from './mapping.ts';
export * from './csv.ts';
export * from './json.ts';
