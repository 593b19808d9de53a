import { blockingKeys, defaultModel, prepare, scorePair, sourceOrder as engineSourceOrder } from '../../../engines/matching/index.ts';
import type { MatchModel, MatchRecord, PairScore, Prepared } from '../../../engines/matching/types.ts';
import type { CustomerBasic, RecordRow } from './integration.repository.ts';

/** The integration module's one door to the matching engine: rows in, engine records and scores out. */

export type { MatchModel, PairScore, Prepared };

export const DEFAULT_PRESET = 'cn-bank' as const;

export function builtinModel(): MatchModel {
  return defaultModel(DEFAULT_PRESET);
}

function attr(attrs: unknown, key: string): string | null {
  const v = (attrs as Record<string, unknown> | null)?.[key];
  return v == null ? null : String(v);
}

export function fromRecord(r: Pick<RecordRow, 'id' | 'source_code' | 'kind' | 'name' | 'id_type' | 'id_no' | 'mobile' | 'email' | 'birth_date' | 'gender' | 'address' | 'employer' | 'legal_rep' | 'attributes'>): MatchRecord {
  return {
    id: `r${r.id}`, source: r.source_code, kind: r.kind, name: r.name, idType: r.id_type, idNo: r.id_no, mobile: r.mobile, email: r.email,
    birthDate: r.birth_date, gender: r.gender, address: r.address, employer: r.employer ?? attr(r.attributes, 'employer'), legalRep: r.legal_rep,
  };
}

/** A customer's golden record as one more record to compare with (customers entered by hand have no source records). */
export function fromCustomer(c: CustomerBasic): MatchRecord {
  const [idType, idNo] = c.identity ? [c.identity.slice(0, c.identity.indexOf(':')), c.identity.slice(c.identity.indexOf(':') + 1)] : [null, null];
  return {
    id: `c${c.id}`, source: 'CRM', kind: c.party === 'organization' ? 'org' : 'person', name: c.name, idType, idNo, mobile: c.mobile, email: c.email,
    birthDate: c.birth_date, gender: c.gender, address: c.address, employer: c.employer,
  };
}

export function prepared(rec: MatchRecord): Prepared {
  return prepare(rec);
}

export function keysOf(p: Prepared): string[] {
  return blockingKeys(p, DEFAULT_PRESET);
}

export function score(a: Prepared, b: Prepared, model: MatchModel): PairScore {
  return scorePair(a, b, model);
}

/** The discreteness method's merge order of sources (I4), over records' blocking keys. */
export function orderSources(records: { source: string; keys: string[] }[], valueRank: string[], override?: string[]) {
  return engineSourceOrder(records, valueRank, override);
}
