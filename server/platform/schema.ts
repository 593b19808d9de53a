import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';

/** One of a fixed set of strings, typed as their union and validated with `enum`. */
export const Lit = <const T extends readonly string[]>(xs: T) => Type.Unsafe<T[number]>({ type: 'string', enum: [...xs] });
const SCALARS = new Set(['string', 'number', 'integer', 'boolean']);

/**
 * The value or null. A scalar says so in its own `type` (['integer', 'null']) rather than as an anyOf: the
 * validator coerces types (query strings arrive as text), and inside an anyOf it coerced a null into the first
 * branch before trying null, so a field cleared with null was stored as 0 or "" wherever those were valid.
 */
export function Nullable<T extends TSchema>(t: T): TUnsafe<Static<T> | null> {
  const type = (t as { type?: unknown }).type;
  if (typeof type !== 'string' || !SCALARS.has(type)) return Type.Union([t, Type.Null()]) as unknown as TUnsafe<Static<T> | null>;
  const plain = JSON.parse(JSON.stringify(t)) as Record<string, unknown>;
  return Type.Unsafe<Static<T> | null>({ ...plain, type: [type, 'null'], ...(Array.isArray(plain.enum) ? { enum: [...plain.enum, null] } : {}) });
}
export const Opt = Type.Optional;
