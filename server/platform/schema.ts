import { Type, type TSchema } from '@sinclair/typebox';

/** One of a fixed set of strings, typed as their union and validated with `enum`. */
export const Lit = <const T extends readonly string[]>(xs: T) => Type.Unsafe<T[number]>({ type: 'string', enum: [...xs] });
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
export const Opt = Type.Optional;
