import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeResidentId } from '../../identity/cn-id.ts';
import { canonicalContent, compileMapping, contentHash, defaultMapping, validateMapping, type InvalidIdPolicy } from '../index.ts';

const TODAY = '2026-12-01';
const header = ['record_id', 'kind', 'name', 'id_type', 'id_no', 'mobile', 'birth_date', 'gender'];
const row = (o: Partial<Record<string, string>>) => header.map((h) => o[h] ?? '');
const mapWith = (invalidIds?: InvalidIdPolicy) => compileMapping({ ...defaultMapping(header), ...(invalidIds ? { invalidIds } : {}) }, header, TODAY);

// [case, id_type as the source keys it, id_no as the source keys it, the rule it breaks, the number as kept (half-width, no spaces, upper case)]
const BAD: [string, string, string, string, string][] = [
  ['resident ID, wrong check digit', 'ID_CARD', '110105194912310021', 'residentId.checksum', '110105194912310021'],
  ['resident ID, check digit wrong in full-width with spaces', 'ID_CARD', '１１０１０５ １９４９１２３１ ００２１', 'residentId.checksum', '110105194912310021'],
  ['resident ID, impossible birth date (31 Feb)', 'ID_CARD', makeResidentId('110105', '19490231', '002'), 'residentId.birthdate', makeResidentId('110105', '19490231', '002')],
  ['resident ID, birth date after today', 'ID_CARD', makeResidentId('110105', '20301231', '002'), 'residentId.birthdate', makeResidentId('110105', '20301231', '002')],
  ['resident ID, 16 digits (format)', 'ID_CARD', '1101051949123100', 'residentId.format', '1101051949123100'],
  ['resident ID, lower-case x where a digit is due (checksum)', 'ID_CARD', '11010519491231003x', 'residentId.checksum', '11010519491231003X'],
  ['resident ID, unknown region', 'ID_CARD', makeResidentId('000105', '19491231', '002'), 'residentId.region', makeResidentId('000105', '19491231', '002')],
  ['USCC, wrong check character', 'USCC', '91350100M000100Y44', 'uscc.checksum', '91350100M000100Y44'],
  ['USCC, a letter it never uses (format)', 'USCC', '91350100M0001O0Y43', 'uscc.format', '91350100M0001O0Y43'],
];

describe('ID numbers failing their check, per the mapping\'s invalidIds', () => {
  it.each(BAD)('%s: quarantined by default (naming id_no and the rule in both languages), kept unverified with "keep"', (_, idType, idNo, rule, kept) => {
    const input = row({ record_id: 'R1', name: '张伟', id_type: idType, id_no: idNo, mobile: '13812345678' });
    for (const m of [mapWith(), mapWith('quarantine')]) {
      const r = m.map(input);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.reasons).toHaveLength(1);
        expect(r.reasons[0]).toMatchObject({ field: 'id_no', rule });
        expect(r.reasons[0]!.message.zh).toBeTruthy();
        expect(r.reasons[0]!.message.en).toBeTruthy();
      }
    }
    // Kept: the number as given (half-width, no spaces, upper case), the check still failing, marked with the rule.
    const r = mapWith('keep').map(input);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.record.id_no).toBe(kept);
    expect(r.record.id_type).toBe(idType === 'USCC' ? 'uscc' : 'resident_id');
    expect(r.record.id_issue).toMatchObject({ field: 'id_no', rule });
    expect(r.record.id_issue!.message.zh).toMatch(/身份证|统一社会信用代码/);
    expect(r.record.id_issue!.message.en).toMatch(/resident ID|USCC/);
    expect(r.record.mobile).toBe('+8613812345678');
  });

  it('"keep" keeps only the ID: a row rejected for another field is rejected for that alone', () => {
    const r = mapWith('keep').map(row({ record_id: 'R1', name: '张伟', id_type: 'ID_CARD', id_no: '110105194912310021', mobile: '12345' }));
    expect(r).toMatchObject({ ok: false, reasons: [{ field: 'mobile', rule: 'mobile' }] });
    if (!r.ok) expect(r.reasons).toHaveLength(1);
  });

  it('a valid number is never marked; the mark is part of what the record hash covers, an unmarked record hashes as before', () => {
    const kept = mapWith('keep').map(row({ record_id: 'R1', name: '张伟', id_type: 'ID_CARD', id_no: '110105194912310021' }));
    const valid = mapWith('keep').map(row({ record_id: 'R2', name: '张伟', id_type: 'ID_CARD', id_no: '110105491231002' }));
    if (!kept.ok || !valid.ok) throw new Error('both rows map');
    expect(valid.record).toMatchObject({ id_no: '11010519491231002X' });
    expect(valid.record.id_issue).toBeUndefined();
    const plain = (c: string) => createHash('sha256').update(c).digest();
    expect(contentHash(valid.record).equals(plain(canonicalContent(valid.record)))).toBe(true);
    expect(contentHash(kept.record).equals(plain(canonicalContent(kept.record)))).toBe(false);
  });

  it('an unknown option is a mapping problem naming invalidIds and the allowed values', () => {
    expect(validateMapping({ ...defaultMapping(), invalidIds: 'drop' as InvalidIdPolicy })).toEqual([
      { field: 'invalidIds', rule: 'enum', message: { zh: expect.stringContaining('quarantine、keep'), en: 'must be one of quarantine, keep' } },
    ]);
    expect(validateMapping({ ...defaultMapping(), invalidIds: 'keep' })).toEqual([]);
  });
});
