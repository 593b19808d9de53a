export * from './features.ts';
export * from './rules.ts';
