/**
 * An audit entry of the 360° timeline as a reader takes it: fields by their labels, codes and ids by their names,
 * lists (identities, contacts …) as the items added and removed, a merge as a sentence. Pure: the caller passes the
 * translation function and the language, so it is tested without a page.
 */
import { AUDIT_FIELD_NAMES, auditName, type AuditLanguage } from '../../../../engines/audit/labels.ts';
import { formatValue, isEmptyValue as isEmpty } from '../../app/format.ts';
import { pickBilingual } from '../../app/bilingual.ts';
import { formatFen } from '../../app/format.ts';

/** A type-specific attribute as the customer's type defines it (customers meta API): its labels and kind. */
export type AttributeLabel = { key: string; label: string; labelEn: string; type: string };

export type Translate = (key: string, options?: Record<string, unknown>) => string;
export type Ref = { zh: string; en: string };
export type TimelineAudit = { action?: string; entity?: string; changes?: unknown; fields?: string[] | null; refs?: Record<string, Ref> };

export type ChangeLine =
  /** A value set (`from` absent) or changed. */
  | { kind: 'value'; field: string; label: string; from?: string; to: string }
  /** A list's items: what is new and what is gone (on creation, every item is new). */
  | { kind: 'list'; field: string; label: string; added: string[]; removed: string[] }
  /** A sentence (merges). */
  | { kind: 'text'; text: string };

/** Values the audit keeps as codes, shown by their names. */
const CODED: Record<string, string> = { status: 'customer.status', gender: 'customer.gender', party: 'customer.party', risk_tolerance: 'customer.risk', industry: 'customer.industry' };
/** Bookkeeping the audit keeps for itself: never shown. */
const INTERNAL = new Set(['id', 'mergeId', 'customer_id', 'version', 'name_pinyin', 'name_initials', 'name_grams']);
/** Masked values (the server's, for roles that see no personal data) are shown as they come. */
const REDACTED = '***';

const camel = (f: string) => f.replace(/_id$/, '').replace(/_([a-z])/g, (_m, ch: string) => ch.toUpperCase());
const canonical = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) =>
  x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).filter(([k]) => !INTERNAL.has(k)).sort(([a], [b]) => a.localeCompare(b))) : x);

/** A mainland mobile as people read it: "+86 13900139000", its masking ("+86 139****0139") kept. */
export function phoneText(v: string): string {
  const m = /^\+86(?=[\d*])(.*)$/.exec(v);
  return m ? `+86 ${m[1]}` : v;
}


/**
 * `attributes`: the schema of the customer's type, so type attributes read as "企业规模: 中型, 员工人数: 549" rather than
 * "sme_size: medium, staff_count: 549".
 */
export function describeAudit(e: TimelineAudit, t: Translate, lang: AuditLanguage, attributes: AttributeLabel[] = []): ChangeLine[] {
  const zh = lang === 'zh-CN';
  const attrDef = new Map(attributes.map((a) => [a.key, a]));
  const attributeText = (o: Record<string, unknown>): string =>
    Object.entries(o).filter(([, v]) => !isEmpty(v)).map(([k, v]) => {
      const a = attrDef.get(k);
      const name = a ? (zh ? a.label : a.labelEn || a.label) : t(`customer.attribute.${k}`, { defaultValue: k });
      let text: string;
      if (typeof v === 'boolean') text = t(v ? 'customer.c360.yes' : 'customer.c360.no');
      else if (k.endsWith('_fen') && (typeof v === 'number' || typeof v === 'string')) text = formatFen(v, true);
      else if (typeof v === 'string' || typeof v === 'number') text = t(`customer.attributeOption.${k}.${String(v)}`, { defaultValue: String(v) });
      else text = formatValue(v);
      return `${name}: ${text}`;
    }).join(zh ? '，' : ', ');
  const label = (f: string) => {
    if (e.entity === 'customer_relation' && f === 'typeCode') return t('customer.c360.relationType');
    const own = t(`customer.fields.${camel(f)}`, { defaultValue: '' });
    return own || auditName(AUDIT_FIELD_NAMES, lang, f);
  };
  const customer = (v: unknown): string => {
    // Another customer: by number, or — outside the user's data scope — by the masked name the server gives.
    if (v && typeof v === 'object') {
      const c = v as { customerNo?: string | null; name?: string | null };
      if (!c.customerNo) return `${c.name ?? ''} (${t('customer.c360.outsideScope')})`.trim();
      return c.name ? `${c.name} (${c.customerNo})` : c.customerNo;
    }
    if (v === null || v === undefined) return t('customer.c360.outsideScope');
    return String(v);
  };
  const scalar = (f: string, v: unknown): string => {
    if (v === REDACTED) return REDACTED;
    const ref = e.refs?.[`${f}:${String(v)}`];
    if (ref) return zh ? ref.zh : ref.en;
    if (v === null || v === undefined || v === '') return '—';
    // A review's status (pending → confirmed) by the review queue's names, not the customer's.
    if (f === 'status' && e.entity === 'match_review' && typeof v === 'string') return t(`integration.status.${v}`, { defaultValue: v });
    if (CODED[f] && typeof v === 'string') return t(`${CODED[f]}.${v}`, { defaultValue: v });
    // Texts the server stores in both languages ("审核确认 / confirmed in review") in the reader's.
    if (typeof v === 'string' && (f === 'reason' || f === 'note')) return pickBilingual(v, zh ? 'zh' : 'en');
    if (typeof v === 'boolean') return t(v ? 'customer.c360.yes' : 'customer.c360.no');
    if (f === 'mobile' && typeof v === 'string') return phoneText(v);
    if (f === 'attributes' && v && typeof v === 'object' && !Array.isArray(v)) return attributeText(v as Record<string, unknown>);
    if (v && typeof v === 'object' && !Array.isArray(v)) return objectText(v as Record<string, unknown>);
    return formatValue(v);
  };
  const primary = (o: Record<string, unknown>) => (o.is_primary ?? o.isPrimary ? ` (${t('customer.c360.primaryShort')})` : '');
  const objectText = (o: Record<string, unknown>): string =>
    Object.entries(o).filter(([k, v]) => !INTERNAL.has(k) && !isEmpty(v)).map(([k, v]) => `${label(k)}: ${scalar(k, v)}`).join(', ');
  /** One item of a list, by the list it is in. */
  const item = (f: string, x: unknown): string => {
    if (x === REDACTED || typeof x !== 'object' || x === null) return String(x);
    const o = x as Record<string, unknown>;
    const s = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : o[k] === null || o[k] === undefined ? '' : String(o[k]));
    const join = (...parts: string[]) => parts.filter(Boolean).join(' ');
    switch (f) {
      case 'contacts': {
        const kind = s('kind');
        return join(t(`customer.contactKind.${kind}`, { defaultValue: kind }), kind === 'mobile' || kind === 'phone' ? phoneText(s('value')) : s('value')) + primary(o);
      }
      case 'identities': {
        const type = s('id_type') || s('idType');
        const country = s('country');
        const until = s('expires_on') || s('expiresOn');
        return join(t(`customer.idType.${type}`, { defaultValue: type }), s('id_no') || s('idNo'), country && country !== 'CN' ? country : '',
          until ? t('customer.c360.validUntil', { date: until }) : '') + primary(o);
      }
      case 'addresses': {
        const kind = s('kind');
        return join(`${t(`customer.addressKind.${kind}`, { defaultValue: kind })}`, [s('province'), s('city'), s('district'), s('line')].filter(Boolean).join(zh ? '' : ', '), s('postcode')) + primary(o);
      }
      case 'channelPrefs': {
        const ch = s('channel');
        const consent = o.marketing_consent ?? o.marketingConsent;
        return `${t(`customer.channel.${ch}`, { defaultValue: ch })}: ${t(o.allowed ? 'customer.c360.allowed' : 'customer.c360.notAllowed')}${consent ? `, ${t('customer.c360.marketingConsent')}` : ''}`;
      }
      default:
        return objectText(o);
    }
  };
  const counts = (m: unknown) =>
    Object.entries((m ?? {}) as Record<string, number>).filter(([, n]) => n).map(([k, n]) => `${auditName(AUDIT_FIELD_NAMES, lang, k)} ${n}`).join(zh ? '、' : ', ');

  const c = e.changes;
  if (c === null || c === undefined) return (e.fields ?? []).filter((f) => !INTERNAL.has(f)).map((f) => ({ kind: 'text' as const, text: label(f) }));
  if (typeof c !== 'object' || Array.isArray(c)) return [{ kind: 'text', text: formatValue(c) }];
  const ch = c as Record<string, unknown>;

  // A merge or its undoing, on either customer, as sentences.
  if (e.action === 'merge' || e.action === 'unmerge') {
    const out: ChangeLine[] = [];
    const say = (key: string, o?: Record<string, unknown>) => out.push({ kind: 'text', text: t(`customer.c360.mergeText.${key}`, o) });
    const undo = e.action === 'unmerge';
    if ('mergedInto' in ch) say('mergedInto', { customer: customer(ch.mergedInto) });
    else if ('merged' in ch) say(undo ? 'unmerged' : 'merged', { customer: customer(ch.merged) });
    else if (undo) say('restored');
    const moved = counts(ch.moved);
    if (moved) say(undo ? 'movedBack' : 'moved', { what: moved });
    const followed = counts(ch.followed);
    if (followed) say('followed', { what: followed });
    if (!isEmpty(ch.filled)) say('filled', { what: Object.keys(ch.filled as object).map(label).join(zh ? '、' : ', ') });
    if (Array.isArray(ch.consent) && ch.consent.length) say('consent', { count: ch.consent.length });
    if (typeof ch.endedRelations === 'number' && ch.endedRelations > 0) say('endedRelations', { count: ch.endedRelations });
    if (ch.overrideConflict === true) say('overrideConflict');
    if (typeof ch.reason === 'string' && ch.reason) say('reason', { reason: pickBilingual(ch.reason, zh ? 'zh' : 'en') });
    return out;
  }

  const out: ChangeLine[] = [];
  for (const [f, v] of Object.entries(ch)) {
    if (INTERNAL.has(f)) continue;
    if (f === 'relatedCustomerNo') {
      out.push({ kind: 'value', field: f, label: label(f), to: customer(v) });
      continue;
    }
    const d = v !== null && typeof v === 'object' && !Array.isArray(v) && ('from' in v || 'to' in v) ? (v as { from?: unknown; to?: unknown }) : null;
    const from = d ? d.from ?? null : null;
    const to = d ? d.to ?? null : v;
    if (isEmpty(from) && isEmpty(to)) continue;
    if (Array.isArray(from) || Array.isArray(to)) {
      const before = Array.isArray(from) ? from : [];
      const after = Array.isArray(to) ? to : [];
      const had = new Set(before.map(canonical));
      const has = new Set(after.map(canonical));
      const added = after.filter((x) => !had.has(canonical(x))).map((x) => item(f, x));
      const removed = before.filter((x) => !has.has(canonical(x))).map((x) => item(f, x));
      if (added.length || removed.length) out.push({ kind: 'list', field: f, label: label(f), added, removed });
      continue;
    }
    if (from === REDACTED || to === REDACTED) {
      out.push({ kind: 'value', field: f, label: label(f), to: REDACTED });
      continue;
    }
    out.push(isEmpty(from) ? { kind: 'value', field: f, label: label(f), to: scalar(f, to) } : { kind: 'value', field: f, label: label(f), from: scalar(f, from), to: scalar(f, to) });
  }
  return out;
}
