import { beforeAll, describe, expect, it } from 'vitest';
import { makeResidentId, makeUscc } from '../../identity/index.ts';
import {
  candidatePairs, capTermFrequencies, clusterRecords, clusterScored, defaultModel, fastScore, prepare, scorePair, seededRandom, sourceOrder, syntheticRecords, trainModel,
  blockingKeys, type MatchModel, type MatchRecord, type Prepared,
} from '../index.ts';

// A model trained (EM, no labels) on synthetic bank records; the hard cases below are scored with it.
let model: MatchModel;
let background: Prepared[];
beforeAll(() => {
  background = syntheticRecords(6000, 11).map(prepare);
  model = trainModel(background, { preset: 'cn-bank', random: seededRandom(1), candidates: candidatePairs(background, 'cn-bank') });
});

const p = (id: string, over: Partial<MatchRecord>): Prepared => prepare({ id, source: 'core_savings', kind: 'person', ...over });
const org = (id: string, over: Partial<MatchRecord>): Prepared => prepare({ id, source: 'corporate_core', kind: 'org', ...over });

const 田伟 = { name: '田伟', idType: 'ID_CARD', idNo: '330106195208185423', mobile: '18937920501', birthDate: '1952-08-18', gender: 'F', address: '浙江省杭州市西湖区利大街281号23栋2007室' };

describe('scorePair — hard cases', () => {
  it.each([
    {
      label: '15- vs 18-digit ID of one person',
      a: p('a', 田伟), b: p('b', { ...田伟, idNo: '330106520818542', mobile: '+86 189-3792-0501', birthDate: '19520818' }), zone: 'match',
    },
    {
      label: 'homophone typo in the name (田伟 / 田玮), same ID',
      a: p('a', 田伟), b: p('b', { ...田伟, name: '田玮', address: '西湖区利大街281號23栋2007' }), zone: 'match',
    },
    {
      label: 'mistyped ID failing its check digit, everything else agrees',
      a: p('a', 田伟), b: p('b', { ...田伟, idNo: '330106195208185433' }), zone: 'match',
    },
    {
      label: 'same common name, different people (张伟, other birth date, ID, phone, address)',
      a: p('a', { name: '张伟', idType: 'ID_CARD', idNo: '110105198001010016', birthDate: '1980-01-01', mobile: '13800000001', address: '北京市朝阳区人民路1号1栋101' }),
      b: p('b', { name: '张伟', idType: 'ID_CARD', idNo: '310115199203040012', birthDate: '1992-03-04', mobile: '13900000002', address: '上海市浦东新区长江路9号2栋902' }),
      zone: 'nonmatch',
    },
    {
      label: 'same common name, no IDs, nothing else in common',
      a: p('a', { name: '张伟', birthDate: '1980-01-01' }), b: p('b', { name: '张伟', mobile: '13900000002', address: '浦东新区长江路9号2栋902' }), zone: 'nonmatch',
    },
    {
      label: 'sister companies with one legal representative and one address',
      a: org('a', { name: '上海华信中科物流有限公司', idType: 'USCC', idNo: '91350100M000100Y43', legalRep: '陈平军', address: '黄浦区和大街335号28栋2302室' }),
      b: org('b', { name: '上海华信中科贸易有限公司', idType: 'USCC', idNo: makeUscc('91310115PHYT4TTA5'), legalRep: '陈平军', address: '黄浦区和大街335号28栋2302室' }),
      zone: 'nonmatch',
    },
    {
      label: 'one company under 有限公司, 有限责任公司 and (city) forms with one USCC',
      a: org('a', { name: '广州嘉禾医药有限公司', idType: 'USCC', idNo: '91350100M000100Y43', address: '天河区结街49号8栋203室' }),
      b: org('b', { name: '嘉禾医药(广州)有限责任公司', idType: 'USCC', idNo: '91350100M000100Y43', address: '广东省广州市天河区结街49号8栋203室' }),
      zone: 'match',
    },
  ] as const)('$label → $zone', ({ a, b, zone }) => {
    expect(scorePair(a, b, model).zone).toBe(zone);
  });

  it('spouses sharing an address and a phone are never merged automatically (their IDs conflict)', () => {
    const husband = p('a', { name: '王建国', idType: 'ID_CARD', idNo: makeResidentId('110105', '19650203', '001'), birthDate: '1965-02-03', gender: 'M', mobile: '13811112222', address: '北京市海淀区学院路5号3栋201' });
    const wife = p('b', { name: '李秀英', idType: 'ID_CARD', idNo: makeResidentId('110105', '19670708', '002'), birthDate: '1967-07-08', gender: 'F', mobile: '13811112222', address: '海淀区学院路5号3栋201' });
    const s = scorePair(husband, wife, model);
    expect(s.zone).not.toBe('match');
    expect(s.conflict).toBeDefined();
    // Without any ID number the shared phone and address still do not make a sure match.
    const noIds = scorePair(p('a', { ...husband, idType: '', idNo: '' }), p('b', { ...wife, idType: '', idNo: '' }), model);
    expect(noIds.zone).not.toBe('match');
  });

  describe('one household: what agrees on phone and address outweighed a different person (vetoes)', () => {
    const home = { mobile: '13698761234', address: '杭州市西湖区文三路5号2栋201室' };
    const rule = (s: ReturnType<typeof scorePair>) => s.fields.find((f) => f.field === 'rule')?.level;
    const held = (a: Prepared, b: Prepared) => {
      const s = scorePair(a, b, model);
      expect(s.zone, JSON.stringify(s.fields)).toBe('review');
      expect(rule(s)).toBe('differs-no-auto-merge');
      // The clustering's fast path holds it below a sure match too.
      expect(fastScore(a, b, model)).toBeLessThan(Math.log2(model.matchThreshold / (1 - model.matchThreshold)));
    };
    it('a father and his son of one name, born 27 years apart', () => {
      held(p('a', { name: '王志强', birthDate: '1948-03-03', gender: 'M', ...home }), p('b', { name: '王志强', birthDate: '1975-09-09', gender: 'M', ...home, source: 'credit_card' }));
    });
    it('spouses whose names share nothing, with no birth date on one side', () => {
      held(p('a', { name: '向强英', birthDate: '1988-05-10', gender: 'F', ...home }), p('b', { name: '唐刚桂', gender: 'F', ...home, source: 'credit_card' }));
    });
    it('two doubts together: only the surname and a sound in common, birth dates months apart', () => {
      held(p('a', { name: '周晓敏', birthDate: '1973-02-14', gender: 'F', ...home }), p('b', { name: '周敏', birthDate: '1973-06-15', gender: 'F', ...home, source: 'credit_card' }));
    });
    it('twins, or a brother and sister: one surname, another given name, one birth date', () => {
      held(p('a', { name: '李明', birthDate: '1990-05-05', gender: 'M', ...home }), p('b', { name: '李亮', birthDate: '1990-05-05', gender: 'M', ...home, source: 'credit_card' }));
      held(p('a', { name: '林磊', birthDate: '2001-08-03', ...home }), p('b', { name: '林婷', birthDate: '2001-08-03', ...home, source: 'credit_card' }));
    });
    it('a couple with names of one sound: genders differ', () => {
      held(p('a', { name: '刘洋', birthDate: '1980-01-01', gender: 'M', ...home }), p('b', { name: '刘阳', gender: 'F', ...home, source: 'credit_card' }));
      held(p('a', { name: '闫辉', birthDate: '1953-01-21', gender: 'M', ...home }), p('b', { name: '闫慧', gender: 'F', ...home, source: 'credit_card' }));
    });
    it('one doubt alone does not: a character dropped from a name (a sound still shared), the rest agreeing', () => {
      const s = scorePair(p('a', { name: '林晓磊', birthDate: '2001-08-03', ...home }), p('b', { name: '林磊', birthDate: '2001-08-03', ...home, source: 'credit_card' }), model);
      expect(rule(s)).toBeUndefined();
      // Nor a name mistyped with another character of the same sound, or one character of three (no doubt at all).
      expect(rule(scorePair(p('a', { name: '李明', gender: 'M', ...home }), p('b', { name: '李铭', gender: 'M', ...home, source: 'wealth' }), model))).toBeUndefined();
      expect(rule(scorePair(p('a', { name: '张子涵', gender: 'M', ...home }), p('b', { name: '张子寒', gender: 'M', ...home, source: 'wealth' }), model))).toBeUndefined();
    });
    it('the same valid ID number vouches for the pair and lifts the vetoes', () => {
      const idNo = makeResidentId('330106', '19480303', '013');
      const s = scorePair(p('a', { name: '王志强', idType: 'ID_CARD', idNo, birthDate: '1948-03-03', ...home }), p('b', { name: '王志强', idType: 'ID_CARD', idNo, birthDate: '1975-09-09', ...home }), model);
      expect(s.zone).toBe('match');
      expect(rule(s)).toBeUndefined();
    });
    it('sister companies of one boss at one address, names not one name', () => {
      const co = { mobile: '13800138000', address: '上海市浦东新区世纪大道100号', legalRep: '赵明' };
      held(org('a', { name: '上海星辰科技有限公司', ...co }), org('b', { name: '上海远航物流有限公司', ...co }));
    });
  });

  it('two valid resident IDs that differ only in the century are two people (a conflict), not one number', () => {
    const a = p('a', { name: '马明', idType: 'ID_CARD', idNo: makeResidentId('110101', '19200101', '011'), address: '北京市东城区东四十条8号' });
    const b = p('b', { name: '马明', idType: 'ID_CARD', idNo: makeResidentId('110101', '20200101', '011'), address: '北京市东城区东四十条8号' });
    const s = scorePair(a, b, model);
    expect(s.fields.find((f) => f.field === 'id_no')!.level).toBe('different-valid');
    expect(s.conflict).toMatch(/different valid resident_id/);
    // An old 15-digit number and its 18-digit form are still one number.
    expect(scorePair(a, p('c', { name: '马明', idType: 'ID_CARD', idNo: a.idNo.slice(0, 6) + a.idNo.slice(8, 17) }), model).fields.find((f) => f.field === 'id_no')!.level).toBe('exact');
  });

  it('reads ID types as systems spell them, and recognises a valid number under a type it does not know', () => {
    const idNo = makeResidentId('310104', '19660606', '123');
    for (const idType of ['居民身份证', '身份证号码', 'ID Card', 'RESIDENT_ID']) expect(p('a', { idType, idNo }).idKind, idType).toBe('resident_id');
    expect(p('a', { idType: '01', idNo }).idKind).toBe('resident_id');
    expect(p('a', { idType: '01', idNo: 'E12345678' }).idKind).toBe('other');
    expect(prepare({ id: 'o', source: 's', kind: 'org', idType: '营业执照', idNo: makeUscc('91310000MA1FL0001') }).idKind).toBe('uscc');
  });

  it('a pair with two different valid IDs is a conflict, never a sure match', () => {
    const s = scorePair(p('a', 田伟), p('b', { ...田伟, idNo: '330106195208185415' }), model);
    expect(s.conflict).toMatch(/different valid resident_id/);
    expect(s.zone).not.toBe('match');
  });

  it('explains every comparison: field, level, weight', () => {
    const s = scorePair(p('a', 田伟), p('b', { ...田伟, name: '田玮' }), model);
    const byField = Object.fromEntries(s.fields.map((f) => [f.field, f]));
    expect(byField.id_no!.level).toBe('exact');
    expect(byField.name!.level).toBe('homophone');
    expect(byField.email!.level).toBe('missing');
    expect(byField.id_no!.weight).toBeGreaterThan(byField.gender!.weight);
    expect(s.score).toBeCloseTo(s.fields.reduce((x, f) => x + f.weight, Math.log2(model.priorMatchProbability.person! / (1 - model.priorMatchProbability.person!))), 1);
  });

  it('agreeing on a common name says less than agreeing on a rare one (term frequencies)', () => {
    const common = background.find((r) => r.kind === 'person' && (model.termFrequencies!['cn.person-name']!.counts[r.name] ?? 0) >= 5)!;
    const w = (name: string) => scorePair(p('a', { name, birthDate: '1970-01-01' }), p('b', { name, birthDate: '1970-01-01' }), model).fields.find((f) => f.field === 'name')!.weight;
    expect(w(common.name)).toBeLessThan(w('欧阳震华'));
  });
});

describe('the built-in model (before any estimate from the bank\'s data)', () => {
  const builtin = defaultModel('cn-bank');
  const id = makeResidentId('320106', '19850607', '002');
  const 李娜 = { name: '李娜', mobile: '13912345678', birthDate: '1985-06-07', gender: 'F', address: '江苏省南京市鼓楼区中山路8号3栋502' };
  it.each([
    { label: 'name and mobile', b: { name: '李娜', mobile: '+86 139-1234-5678' }, zone: 'match' },
    { label: 'name, birth date and gender', b: { name: '李娜', birthDate: '19850607', gender: 'F' }, zone: 'match' },
    { label: 'the same valid ID number and name', b: { name: '李娜', idType: 'ID_CARD', idNo: id }, a: { idType: 'ID_CARD', idNo: id }, zone: 'match' },
    { label: 'name and address alone (a household, a building)', b: { name: '李娜', address: '南京市鼓楼区中山路8号3栋502室' }, zone: 'review' },
    { label: 'name alone', b: { name: '李娜' }, zone: 'nonmatch' },
    { label: 'mobile and address, another name and birth date (a household)', b: { name: '王强', mobile: '13912345678', birthDate: '1958-01-02', gender: 'M', address: 李娜.address }, zone: 'nonmatch' },
  ])('$label → $zone', ({ a, b, zone }) => {
    expect(scorePair(p('a', { ...李娜, ...a }), p('b', b), builtin).zone).toBe(zone);
  });
});

describe('capTermFrequencies', () => {
  it('keeps the most frequent values; a value cut off weighs as a rare value, the same in scorePair and fastScore', () => {
    const table = model.termFrequencies!['cn.person-name']!;
    const capped = { ...model, termFrequencies: capTermFrequencies(model.termFrequencies!, 50) };
    const kept = capped.termFrequencies!['cn.person-name']!;
    expect(Object.keys(kept.counts)).toHaveLength(50);
    const least = Math.min(...Object.values(kept.counts));
    expect(Object.entries(table.counts).filter(([, c]) => c > least).every(([v]) => kept.counts[v] !== undefined)).toBe(true);
    expect(kept.rest).toBeGreaterThan(1);
    expect(kept.rest).toBeLessThanOrEqual(least);
    const cut = Object.keys(table.counts).find((v) => kept.counts[v] === undefined && table.counts[v]! >= 2)!;
    const pair = [p('a', { name: cut, birthDate: '1970-01-01' }), p('b', { name: cut, birthDate: '1970-01-01' })] as const;
    const w = (m: MatchModel, name: string) => scorePair(p('a', { name, birthDate: '1970-01-01' }), p('b', { name, birthDate: '1970-01-01' }), m).fields.find((f) => f.field === 'name')!.weight;
    // Cut off: weighs like the mean value left out, less than a name counted once; the kept ones are unchanged.
    const { rest: _rest, ...withoutRest } = kept;
    const countedOnce = { ...capped, termFrequencies: { ...capped.termFrequencies, 'cn.person-name': withoutRest } };
    expect(w(capped, cut)).toBeLessThan(w(countedOnce, cut));
    const common = Object.keys(kept.counts)[0]!;
    expect(w(capped, common)).toBe(w(model, common));
    expect(fastScore(...pair, capped)).toBeCloseTo(scorePair(...pair, capped).score, 9);
  });

  it('leaves a table within the cap as it is', () => {
    const t = { 'cn.employer': { total: 3, counts: { a: 2, b: 1 } } };
    expect(capTermFrequencies(t, 5)).toEqual(t);
    expect(capTermFrequencies(t, 1)).toEqual({ 'cn.employer': { total: 3, counts: { a: 2 }, rest: 1 } });
  });
});

describe('trainModel', () => {
  it('is deterministic for a seed and needs no labels', () => {
    const again = trainModel(background, { preset: 'cn-bank', random: seededRandom(1), candidates: candidatePairs(background, 'cn-bank') });
    expect(again.comparisons).toEqual(model.comparisons);
    expect(again.priorMatchProbability).toEqual(model.priorMatchProbability);
  });

  it('learns that an exact ID match is strong evidence and gender agreement weak', () => {
    const id = model.comparisons.find((c) => c.name === 'cn.id' && c.kind === 'person')!.levels[0]!;
    const gender = model.comparisons.find((c) => c.name === 'cn.gender')!.levels[0]!;
    expect(Math.log2(id.m / id.u)).toBeGreaterThan(10);
    expect(Math.log2(gender.m / gender.u)).toBeLessThan(2);
  });

  it('never lets a level saying two values differ weigh for a match, and keeps a shared legal representative light (SPEC I3)', () => {
    const w = (m: MatchModel, name: string, kind: string, label: string) => {
      const lv = m.comparisons.find((c) => c.name === name && (c.kind ?? kind) === kind)!.levels.find((l) => l.label === label)!;
      return Math.log2(lv.m / lv.u);
    };
    // Trained on records where companies' numbers are valid but for a few: 'else' (not both valid) is rare among
    // non-matches, and came out strongly positive.
    const recs = syntheticRecords(4000, 3).map(prepare);
    const trained = trainModel(recs, { preset: 'cn-bank', random: seededRandom(2), candidates: candidatePairs(recs, 'cn-bank') });
    for (const m of [trained, defaultModel('cn-bank')]) {
      for (const c of m.comparisons) expect(w(m, c.name, c.kind ?? '', c.levels.at(-1)!.label), `${c.kind} ${c.name} else`).toBeLessThanOrEqual(1e-9);
      expect(w(m, 'cn.id', 'org', 'different-valid')).toBeLessThanOrEqual(1e-9);
      expect(w(m, 'cn.id', 'person', 'different-valid')).toBeLessThanOrEqual(1e-9);
      expect(w(m, 'cn.legal-rep', 'org', 'exact')).toBeLessThanOrEqual(2 + 1e-9);
    }
  });

  it('keeps manual weight overrides', () => {
    const base = defaultModel('cn-bank');
    base.comparisons.find((c) => c.name === 'cn.legal-rep')!.levels[0]!.weight = 0.5;
    const trained = trainModel(background, { preset: 'cn-bank', random: seededRandom(2), candidates: candidatePairs(background, 'cn-bank'), base });
    expect(trained.comparisons.find((c) => c.name === 'cn.legal-rep')!.levels[0]!.weight).toBe(0.5);
    expect(JSON.parse(JSON.stringify(trained)).matchThreshold).toBe(0.999);
  });
});

describe('clusterRecords', () => {
  it('never chains two different valid IDs into one cluster; the refused merge goes to review', () => {
    // b has no ID and agrees with both a and c; a and c hold different valid IDs.
    const a = p('a', 田伟);
    const b = p('b', { ...田伟, idType: '', idNo: '' });
    const c = p('c', { ...田伟, idNo: '330106195208185415' });
    const { clusterOf, reviewPairs } = clusterRecords([a, b, c], model);
    expect(clusterOf[0]).not.toBe(clusterOf[2]);
    expect(reviewPairs.some((r) => r.reason === 'conflict')).toBe(true);
  });

  it('merges one person across systems and leaves a namesake alone', () => {
    const recs = [
      p('r1', 田伟),
      p('r2', { ...田伟, source: 'credit_card', idNo: '330106520818542', address: '西湖区利大街281號23栋2007' }),
      p('r3', { ...田伟, source: 'wealth', idType: '', idNo: '', name: '田玮' }),
      p('r4', { name: '田伟', idType: 'ID_CARD', idNo: '110105198001010016', birthDate: '1980-01-01', mobile: '13800000001' }),
    ];
    const { clusterOf } = clusterRecords(recs, model);
    expect(clusterOf).toEqual(['r1', 'r1', 'r1', 'r4']);
  });

  it('asks nobody about a fuzzy pair whose records sure matches joined anyway', () => {
    const { reviewPairs, root } = clusterScored(3, { a: [0, 1, 0], b: [1, 2, 2], score: [20, 20, 5] }, 10, 0, { personId: ['', '', ''], orgId: ['', '', ''] });
    expect(Array.from(root)).toEqual([0, 0, 0]);
    expect(reviewPairs).toEqual([]);
  });

  it('merges the records of a file holding only one person (u leans on the base model when pairs are few)', () => {
    const recs = ['r1', 'r2', 'r3'].map((id) => p(id, 田伟));
    const m = trainModel(recs, { preset: 'cn-bank', random: seededRandom(1), candidates: candidatePairs(recs, 'cn-bank') });
    const { clusterOf } = clusterRecords(recs, m);
    expect(new Set(clusterOf).size).toBe(1);
  });

  it('with uniquePerSource, a cluster never holds two records of one source', () => {
    const a = p('a', { ...田伟, source: 'x' });
    const b = p('b', { ...田伟, source: 'x' });
    const c = p('c', { ...田伟, source: 'y' });
    const { clusterOf } = clusterRecords([a, b, c], model, { uniquePerSource: true });
    expect(clusterOf[0]).not.toBe(clusterOf[1]);
  });

  it('linkOnly compares records of different sources only', () => {
    const a = p('a', { ...田伟, source: 'x' });
    const b = p('b', { ...田伟, source: 'x' });
    expect(clusterRecords([a, b], model, { linkOnly: true }).clusterOf).toEqual(['a', 'b']);
    expect(clusterRecords([a, b], model).clusterOf).toEqual(['a', 'a']);
  });

  it('on synthetic records, sure matches are almost never false', () => {
    const recs = syntheticRecords(3000, 5);
    const prepared = recs.map(prepare);
    const { clusterOf } = clusterRecords(prepared, model);
    let tp = 0;
    let fp = 0;
    const byCluster = new Map<string, number[]>();
    clusterOf.forEach((c, i) => byCluster.set(c, [...(byCluster.get(c) ?? []), i]));
    for (const members of byCluster.values()) {
      for (let x = 0; x < members.length; x++) for (let y = x + 1; y < members.length; y++) (recs[members[x]!]!.entity === recs[members[y]!]!.entity ? tp++ : fp++);
    }
    expect(tp).toBeGreaterThan(1000);
    expect(fp / (tp + fp)).toBeLessThan(0.005);
  });
});

describe('blockingKeys', () => {
  it('gives every record a few keys, prefixed by rule and kind', () => {
    const keys = blockingKeys(p('a', 田伟));
    expect(keys).toContain('id:p:330106520818542');
    expect(keys).toContain('mobile:p:+8618937920501');
    expect(keys).toContain('pinyin-birth:p:tian wei|1952-08-18');
    expect(blockingKeys(org('o', { name: '嘉禾医药(广州)有限公司', legalRep: '余琳娟' }))).toContain('org-name:o:嘉禾医药|余琳娟');
  });

  it('keeps keys of over-long values small enough to index, and equal values still share them', () => {
    const long = '北京市海淀区' + '中关村大街'.repeat(20_000);
    const a = blockingKeys(p('a', { ...田伟, address: long }));
    const b = blockingKeys(p('b', { ...田伟, address: long }));
    const c = blockingKeys(p('c', { ...田伟, address: long + '1号' }));
    // PostgreSQL's btree limit is 2704 bytes per entry; UTF-8 takes up to 4 bytes a character.
    for (const k of a) expect(Buffer.byteLength(k)).toBeLessThan(1000);
    expect(a).toEqual(b);
    expect(a.find((k) => k.startsWith('name-address:'))).not.toBe(c.find((k) => k.startsWith('name-address:')));
    // Ordinary values are unchanged.
    expect(blockingKeys(p('d', { ...田伟, address: '杭州市西湖区文三路 1 号' })).some((k) => k.startsWith('name-address:p:') && k.includes('文三路'))).toBe(true);
  });
});

describe('sourceOrder (discreteness method, I4)', () => {
  const recs = [
    { source: 'core', keys: ['m:1'] }, { source: 'core', keys: ['m:2'] },
    { source: 'card', keys: ['m:1'] }, { source: 'card', keys: ['m:2'] },
    { source: 'wealth', keys: ['m:9'] }, { source: 'wealth', keys: ['m:1'] },
  ];
  it('starts from the most valuable source, then the least overlapping one', () => {
    const r = sourceOrder(recs, ['core', 'card', 'wealth']);
    expect(r.order).toEqual(['core', 'wealth', 'card']);
    expect(r.steps.map((s) => s.overlap)).toEqual([0, 0.5, 1]);
    expect(r.overridden).toBe(false);
  });
  it('can be overridden, still showing the overlaps', () => {
    const r = sourceOrder(recs, ['core', 'card', 'wealth'], ['card', 'core']);
    expect(r.order).toEqual(['card', 'core', 'wealth']);
    expect(r.steps[1]!.overlap).toBe(1);
    expect(r.overridden).toBe(true);
  });
});
