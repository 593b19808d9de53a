import type { Generated } from 'kysely';
import type { Timestamp } from '../../db/database.ts';

export type ProductStatus = 'active' | 'suspended' | 'retired';
export type RiskRating = 'R1' | 'R2' | 'R3' | 'R4' | 'R5';
export type DocumentKind = 'prospectus' | 'contract' | 'risk_disclosure' | 'brochure' | 'faq' | 'training' | 'other';
export type ScriptScenario = 'general' | 'phone' | 'visit' | 'counter' | 'objection' | 'maturity' | 'wechat';

/** Columns 0004 adds to the foundation's `product` (intersected with its ProductTable in Database). */
export type ProductExtensionColumns = {
  status: Generated<ProductStatus>;
  description: string | null;
  attributes: Generated<unknown>;
  term_days: number | null;
  min_amount_fen: number | null;
  /** numeric: comes back as a string. */
  rate_pct: string | null;
  launch_on: string | null;
  retire_on: string | null;
  target_segment: string | null;
  issuer: string | null;
  version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Timestamp;
};

/** The column 0004 adds to `account`: when a time deposit, wealth product or loan falls due. */
export type AccountMaturityColumns = { maturity_on: string | null };

export type ProductDocumentTable = {
  id: Generated<number>;
  product_code: string;
  title: string;
  kind: DocumentKind;
  url: string | null;
  body: string | null;
  version: Generated<string>;
  created_by: number | null;
  created_at: Generated<Date>;
  updated_at: Timestamp;
};

export type ProductScriptTable = {
  id: Generated<number>;
  product_code: string;
  title: string;
  content: string;
  scenario: Generated<ScriptScenario>;
  audience: string | null;
  created_by: number | null;
  created_at: Generated<Date>;
  updated_at: Timestamp;
};

/** Tables of the products module (product catalogue attributes, risk ratings, documents, sales scripts); created by migration 0004_products. */
export type ProductsTables = {
  product: ProductExtensionColumns;
  account: AccountMaturityColumns;
  product_document: ProductDocumentTable;
  product_script: ProductScriptTable;
};
