export * from './cn-id.ts';
export * from './uscc.ts';
export * from './phone.ts';
export * from './pinyin.ts';
export * from './mask.ts';
export * from './grams.ts';
