export * from './prng.ts';
export * from './numbers.ts';
export * from './orgs.ts';
export * from './customers.ts';
export * from './maturity.ts';
export * from './catalogue.ts';
