import { describe, expect, it } from 'vitest';
import { AUDIT_FIELD_NAMES, auditName } from '../../../../../engines/audit/labels.ts';
import { auditRows } from '../auditText.ts';

const zh = (k: string) => auditName(AUDIT_FIELD_NAMES, 'zh-CN', k);
const en = (k: string) => auditName(AUDIT_FIELD_NAMES, 'en-US', k);

describe('audit log changes are readable (found by testing)', () => {
  it('an unmerge: keys by their labels, moved counts as "label n", empty objects left out, no JSON', () => {
    const rows = auditRows({ mergeId: 4, merged: '100000329', moved: { match_key: 5, source_record: 1 }, followed: {}, reason: '测试撤销' }, zh, 'zh');
    expect(rows).toEqual([
      { key: 'mergeId', label: '合并编号', to: '4' },
      { key: 'merged', label: '被合并客户', to: '100000329' },
      { key: 'moved', label: '转移的数据', to: '匹配键 5, 来源记录 1' },
      { key: 'reason', label: '原因', to: '测试撤销' },
    ]);
    expect(rows.map((r) => r.to).join()).not.toMatch(/[{}"]/);
  });

  it('a merge reason stored in both languages in the reader’s; a model change’s from → to spelt out', () => {
    expect(auditRows({ reason: '审核确认 / confirmed in review' }, en, 'en')[0]).toMatchObject({ label: 'Reason', to: 'confirmed in review' });
    const [r] = auditRows({ x: { from: { version: 3, reviewThreshold: 0.5 }, to: { version: 4, reviewThreshold: 0.6, note: '调低' } } }, zh, 'zh');
    expect(r).toMatchObject({ from: '版本 3, 人工审核阈值 0.5', to: '版本 4, 人工审核阈值 0.6, 备注 调低' });
  });

  it('a yes/no reads as 是/否 or Yes/No, never "false"', () => {
    expect(auditRows({ masked: false }, zh, 'zh')[0]).toMatchObject({ label: '已脱敏', to: '否' });
    expect(auditRows({ masked: true }, en, 'en')[0]).toMatchObject({ label: 'Masked', to: 'Yes' });
  });
});
