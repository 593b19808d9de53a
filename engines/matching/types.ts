/** Public data types of the matching engine (see index.ts for the API that uses them). */

/**
 * One source record as the engine sees it: the canonical source-record columns. `idType` accepts the
 * extracts' codes (`ID_CARD`, `USCC`) and Banyan's (`resident_id`, `uscc`, `passport` …); `birthDate`
 * any of `1990-01-02`, `1990/1/2`, `19900102`, `1990年1月2日`. `extra` carries attributes only some
 * presets compare (febrl: `given_name`, `surname`, `street_number`, `address_1`, `address_2`, `suburb`,
 * `postcode`, `state`).
 * @example { id: 'R1', source: 'core_savings', kind: 'person', name: '张伟', idType: 'ID_CARD', idNo: '11010519491231002X' }
 */
export type MatchRecord = {
  id: string;
  source: string;
  kind: 'person' | 'org';
  name?: string | null;
  idType?: string | null;
  idNo?: string | null;
  mobile?: string | null;
  email?: string | null;
  birthDate?: string | null;
  gender?: string | null;
  address?: string | null;
  employer?: string | null;
  legalRep?: string | null;
  extra?: Record<string, string | null | undefined>;
};

/** Kinds of identity document after normalisation ('' = none given). */
export type IdKind = 'resident_id' | 'uscc' | 'passport' | 'other' | '';

/**
 * A record normalised for comparison (output of `prepare`). Empty string = missing.
 * @example prepare({ id: 'R1', source: 's', kind: 'person', name: ' 张 伟', idNo: '110105491231002' }).idNo // '11010519491231002X'
 */
export type Prepared = {
  id: string;
  source: string;
  kind: 'person' | 'org';
  /** Name: NFKC, spaces dropped, Latin lower-cased. */
  name: string;
  /** Persons: the name; companies: the name's core (no legal-form suffix, no city, no brackets). */
  nameKey: string;
  /** Tone-less pinyin of nameKey, one syllable per character joined by spaces (homophones compare equal). */
  pinyin: string;
  idKind: IdKind;
  /** Normalised document number (15-digit resident IDs upgraded to 18). */
  idNo: string;
  /** The number passes its check digit (resident ID: GB 11643; USCC: GB 32100). */
  idValid: boolean;
  /**
   * What comparisons, blocking and the anti-chaining guard use: for resident IDs the 15 digits both
   * generations share (region + yymmdd + sequence), so an old number matches its 18-digit successor
   * whatever century the upgrade assumed; otherwise idNo.
   */
  idKey: string;
  /** Mainland mobiles as +86…; other phone numbers digits only. */
  mobile: string;
  email: string;
  /** YYYY-MM-DD */
  birthDate: string;
  gender: 'M' | 'F' | '';
  /** Address without province/city prefix, unified characters (split into parts only when compared). */
  address: string;
  employer: string;
  legalRep: string;
  /** Preset-specific attributes, normalised (lower-case, trimmed). */
  extra: Record<string, string>;
};

/** One level of a comparison: its m and u probabilities and an optional manual weight. */
export type ComparisonLevel = {
  /** e.g. 'exact', 'homophone', 'typo', 'else'. */
  label: string;
  /** P(this level | same entity). */
  m: number;
  /** P(this level | different entities), from random pairs. */
  u: number;
  /** Manual override of the weight (log2 Bayes factor); when set it wins over m/u. */
  weight?: number;
};

/** A comparison: a named function over two Prepared records returning one of its levels (or null = missing). */
export type Comparison = {
  /** Key into the engine's comparison functions, e.g. 'cn.name'. */
  name: string;
  /** The field shown in explanations, e.g. 'name'. */
  field: string;
  /** Records of this kind only (persons and companies have their own m/u); absent = the preset's only kind. */
  kind?: 'person' | 'org';
  levels: ComparisonLevel[];
  /** Agreement on the first level is adjusted by how common the value is (see MatchModel.termFrequencies). */
  termFrequency?: boolean;
};

/**
 * Counts of values of one comparison's field over the records being matched. `rest`: the count taken for a
 * value the table does not list (a table cut to its most frequent values, see capTermFrequencies); default 1.
 */
export type TermFrequencies = { total: number; counts: Record<string, number>; rest?: number };

/**
 * The whole, JSON-serialisable matching model. The admin sees and tunes thresholds and level weights.
 * Score = log2(prior odds) + Σ level weights (log2 m/u, or the override); probability = its posterior.
 * @example defaultModel('cn-bank').matchThreshold // 0.999
 */
export type MatchModel = {
  preset: 'cn-bank' | 'febrl';
  comparisons: Comparison[];
  /** Per kind: probability that two random records of that kind are the same entity. */
  priorMatchProbability: Partial<Record<'person' | 'org', number>>;
  /** Posterior probability at or above which a pair is a sure match (merged automatically). */
  matchThreshold: number;
  /** Posterior probability at or above which (and below matchThreshold) a pair goes to review. */
  reviewThreshold: number;
  /** Optional term-frequency tables by comparison name; without one, agreement weights are not adjusted. */
  termFrequencies?: Record<string, TermFrequencies>;
  /** How the parameters were obtained, for the admin screen and the bench output. */
  trainedOn?: { records: number; pairs: number; iterations: number; note: string };
};

/** The explained outcome of comparing two records. */
export type PairScore = {
  /** log2 posterior odds. */
  score: number;
  probability: number;
  zone: 'match' | 'review' | 'nonmatch';
  fields: Array<{ field: string; level: string; weight: number }>;
  /** Set when the two records hold different valid identity numbers of one kind: never merged automatically. */
  conflict?: string;
};

/** A pair handed to a person: fuzzy zone, or a merge the anti-chaining guard refused. */
export type ReviewPair = { a: number; b: number; score: number; reason: 'fuzzy' | 'conflict' };
