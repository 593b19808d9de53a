/** UI strings of the integration module, under the top-level key `integration`. */
export const zh = {
  integration: {
    menu: '客户合并审核',
    modelMenu: '匹配模型',
    field: {
      name: '名称', id_no: '证件号码', mobile: '手机', email: '电子邮箱', birth_date: '出生日期', gender: '性别', address: '地址', employer: '工作单位',
      occupation: '职业', nationality: '国籍', income_fen: '收入（分）', legal_rep: '法定代表人', rule: '规则',
    },
    rule: { trust: '来源可信度最高', recency: '同等可信，最新', completeness: '同等可信与时间，最完整', only: '唯一来源', manual: '客户经理录入（优先）' },
    zone: { match: '确定匹配', review: '待人工确认', nonmatch: '不匹配' },
    status: { pending: '待审核', confirmed: '已确认合并', rejected: '已判定不同' },
    origin: { engine: '系统发现', manager: '客户经理提出' },
    level: {
      exact: '完全一致', missing: '缺失', else: '不一致', 'same-id-and-name': '证件号与姓名一致（规则）', 'differs-no-auto-merge': '姓名或出生日期明显不同，不自动合并（规则）',
      'exact-unchecked': '一致（未通过校验）', typo: '疑似录入错误', 'different-valid': '不同的有效号码', homophone: '同音', 'one-char': '仅一字之差',
      surname: '仅姓氏相同', normalised: '规范化后一致', similar: '相似', 'same-year': '同年', 'local-part': '邮箱用户名一致', close: '接近', partial: '部分一致',
      swapped: '姓名颠倒', 'one-edit': '一处差异', 'two-edits': '两处差异',
    },
    queue: {
      title: '客户合并审核队列', mine: '只看我的', tabPending: '待审核', tabConfirmed: '已合并', tabRejected: '已判定不同', propose: '提出合并',
      pair: '客户对', priority: '优先级（资产）', score: '得分', probability: '匹配概率', zone: '判定区间', conflict: '冲突', manager: '负责客户经理', createdAt: '提出时间',
      decidedAt: '审核时间', decidedBy: '审核人', empty: '没有待审核的客户对', open: '比对', merges: '合并记录', export: '导出',
    },
    failed: {
      title: '整合失败的来源记录', hint: '这些来源记录在整合入客户时出错（已回滚，未写入任何客户）。排除原因后可重试。', source: '来源系统', name: '名称', error: '错误', attempts: '尝试次数',
      updatedAt: '记录更新时间', retry: '重试', retryPage: '重试本页 {{n}} 条',
      retried: '已重试 {{retried}} 条：匹配已有客户 {{matched}}，新建客户 {{created}}，待人工复核 {{review}}，仍失败 {{failed}}',
    },
    detail: {
      title: '客户比对', evidence: '逐项证据', total: '总分', weight: '权重', level: '比较结果', records: '来源记录', sideA: '客户 A', sideB: '客户 B',
      survivor: '保留客户号', note: '审核意见', confirm: '确认是同一客户并合并', reject: '不是同一客户', overrideConflict: '证件冲突仍合并',
      conflictWarn: '两条记录的证件号码不同且都有效：系统不会自动合并。确认前请核实客户身份。', decided: '已审核：{{status}}', confirmed: '已合并，保留客户号 {{no}}',
      rejected: '已记录为不同客户，不会再次提出', aum: '资产', orgManager: '机构 / 客户经理', backToQueue: '返回队列', deleted: '已合并',
    },
    merges: {
      title: '合并记录', survivor: '保留客户', merged: '被合并客户', reason: '原因', at: '合并时间', by: '操作人', undone: '已撤销', unmerge: '撤销合并',
      unmergeReason: '撤销原因', unmergeDone: '已撤销合并，两位客户已恢复', confirmUnmerge: '撤销后，账户、联系方式、关系与历史将原样退回被合并客户。',
      reasonReview: '审核确认', reasonUnmerged: '撤销合并：{{reason}}',
    },
    conflict: {
      differentId: '两个不同的有效{{kind}}号码', sameIdOtherName: '同一有效{{kind}}号码，姓名不同',
    },
    idKind: { resident_id: '居民身份证', uscc: '统一社会信用代码', passport: '护照', other: '证件' },
    propose: {
      title: '提出合并', customerNo: '客户号', otherCustomerNo: '另一客户号', note: '说明', submit: '提交审核', done: '已加入审核队列', exists: '这一对已在队列中',
    },
    lineage: {
      title: '客户信息来源（黄金记录）', field: '字段', value: '取值', source: '来源', rule: '选取规则', records: '来源记录', recordKey: '来源记录号',
      status: '归并状态', updatedAt: '来源更新时间', aliases: '已并入的客户号', mergedNotice: '客户号 {{from}} 已并入 {{to}}，显示的是合并后的客户。',
      recordStatus: { pending: '待处理', matched: '已归并', created: '新建客户', review: '待审核', failed: '整合失败' }, proposeMerge: '提出与其他客户合并', none: '暂无来源系统记录（手工建档）',
    },
    model: {
      title: '匹配模型参数', version: '当前版本', builtin: '内置默认模型', matchThreshold: '自动合并阈值（概率）', reviewThreshold: '人工审核阈值（概率）',
      comparisons: '比较项与权重', party: '客户类别', kind: { person: '个人', org: '单位' }, comparison: '比较项', level: '级别', m: 'm（同一客户时出现的概率）', u: 'u（不同客户时出现的概率）', computed: '计算权重',
      override: '人工权重', sourceOrder: '跨来源合并顺序（离散分析法）', computedOrder: '按价值排序后按离散度计算', overridden: '已人工调整', resetOrder: '恢复计算顺序',
      overlap: '重叠度', records: '记录数', up: '上移', down: '下移', note: '修改说明', save: '保存为新版本', saved: '已保存为第 {{v}} 版', history: '版本历史', trainedOn: '训练信息',
      valueRank: '价值排名',
      estimate: '从数据估计', estimateHint: '用 EM 算法从本行的来源记录估计 m/u（无需标注），保留阈值、人工权重和合并顺序，保存为新版本',
      estimateStarted: '已开始估计，完成后自动保存为新版本', estimateLatest: '最近一次估计',
      estimateStatus: { queued: '排队中', running: '估计中', done: '已完成', failed: '失败' },
      estimateResult: '{{records}} 条记录，{{pairs}} 个候选对 → 第 {{v}} 版',
    },
  },
};
export const en: typeof zh = {
  integration: {
    menu: 'Merge review',
    modelMenu: 'Match model',
    field: {
      name: 'Name', id_no: 'ID number', mobile: 'Mobile', email: 'E-mail', birth_date: 'Birth date', gender: 'Gender', address: 'Address', employer: 'Employer',
      occupation: 'Occupation', nationality: 'Nationality', income_fen: 'Income (fen)', legal_rep: 'Legal representative', rule: 'Rule',
    },
    rule: { trust: 'Most trusted source', recency: 'Equal trust, most recent', completeness: 'Equal trust and date, most complete', only: 'Only source', manual: 'Entered by a manager (wins)' },
    zone: { match: 'Sure match', review: 'Needs review', nonmatch: 'No match' },
    status: { pending: 'Pending', confirmed: 'Merged', rejected: 'Different' },
    origin: { engine: 'Found by the engine', manager: 'Proposed by a manager' },
    level: {
      exact: 'Exact', missing: 'Missing', else: 'Different', 'same-id-and-name': 'Same ID number and name (rule)', 'differs-no-auto-merge': 'Name or birth date clearly differ: not merged automatically (rule)',
      'exact-unchecked': 'Same (fails its check)', typo: 'Likely typo', 'different-valid': 'Different valid numbers', homophone: 'Homophone', 'one-char': 'One character apart',
      surname: 'Surname only', normalised: 'Same once normalised', similar: 'Similar', 'same-year': 'Same year', 'local-part': 'Same mailbox name', close: 'Close', partial: 'Partly the same',
      swapped: 'Names swapped', 'one-edit': 'One edit apart', 'two-edits': 'Two edits apart',
    },
    queue: {
      title: 'Merge review queue', mine: 'Mine only', tabPending: 'Pending', tabConfirmed: 'Merged', tabRejected: 'Different', propose: 'Propose a merge',
      pair: 'Pair', priority: 'Priority (AUM)', score: 'Score', probability: 'Probability', zone: 'Zone', conflict: 'Conflict', manager: 'Responsible manager', createdAt: 'Raised',
      decidedAt: 'Decided', decidedBy: 'Decided by', empty: 'No pairs waiting for review', open: 'Compare', merges: 'Merges', export: 'Export',
    },
    failed: {
      title: 'Source records that failed to resolve', hint: 'These source records failed while being resolved into customers (rolled back: no customer was written). Retry them once the cause is fixed.', source: 'Source system', name: 'Name', error: 'Error', attempts: 'Attempts',
      updatedAt: 'Record updated', retry: 'Retry', retryPage: 'Retry the {{n}} on this page',
      retried: 'Retried {{retried}}: {{matched}} matched, {{created}} created, {{review}} to review, {{failed}} still failing',
    },
    detail: {
      title: 'Side-by-side comparison', evidence: 'Evidence per field', total: 'Total score', weight: 'Weight', level: 'Comparison', records: 'Source records', sideA: 'Customer A', sideB: 'Customer B',
      survivor: 'Keep customer no.', note: 'Note', confirm: 'Same customer: merge', reject: 'Not the same customer', overrideConflict: 'Merge despite the ID conflict',
      conflictWarn: 'The two hold different valid ID numbers: never merged automatically. Verify the customer before you confirm.', decided: 'Decided: {{status}}', confirmed: 'Merged, kept customer no. {{no}}',
      rejected: 'Recorded as different customers; never asked again', aum: 'AUM', orgManager: 'Org unit / manager', backToQueue: 'Back to the queue', deleted: 'merged',
    },
    merges: {
      title: 'Merges', survivor: 'Survivor', merged: 'Merged', reason: 'Reason', at: 'Merged at', by: 'By', undone: 'Undone', unmerge: 'Unmerge',
      unmergeReason: 'Reason for undoing', unmergeDone: 'Merge undone; both customers are restored', confirmUnmerge: 'Accounts, contacts, relations and history go back to the merged customer exactly as they were.',
      reasonReview: 'Confirmed in review', reasonUnmerged: 'Unmerged: {{reason}}',
    },
    conflict: {
      differentId: 'Two different valid {{kind}} numbers', sameIdOtherName: 'The same valid {{kind}} number under another name',
    },
    idKind: { resident_id: 'resident ID', uscc: 'unified social credit code', passport: 'passport', other: 'ID' },
    propose: {
      title: 'Propose a merge', customerNo: 'Customer no.', otherCustomerNo: 'Other customer no.', note: 'Note', submit: 'Send to review', done: 'Added to the review queue', exists: 'This pair is already in the queue',
    },
    lineage: {
      title: 'Where the data comes from (golden record)', field: 'Field', value: 'Value', source: 'Source', rule: 'Rule', records: 'Source records', recordKey: 'Record key',
      status: 'Resolution', updatedAt: 'Updated at source', aliases: 'Customer numbers merged in', mergedNotice: 'Customer no. {{from}} was merged into {{to}}; this is the merged customer.',
      recordStatus: { pending: 'Pending', matched: 'Matched', created: 'Created', review: 'In review', failed: 'Failed' }, proposeMerge: 'Propose a merge with another customer', none: 'No source-system records (entered by hand)',
    },
    model: {
      title: 'Match model parameters', version: 'Version', builtin: 'Built-in default model', matchThreshold: 'Auto-merge threshold (probability)', reviewThreshold: 'Review threshold (probability)',
      comparisons: 'Comparisons and weights', party: 'Party', kind: { person: 'Person', org: 'Company' }, comparison: 'Comparison', level: 'Level', m: 'm (probability when the same customer)', u: 'u (probability when different)', computed: 'Computed weight',
      override: 'Manual weight', sourceOrder: 'Cross-source order (discreteness method)', computedOrder: 'By value, then least overlap', overridden: 'Overridden', resetOrder: 'Back to the computed order',
      overlap: 'Overlap', records: 'Records', up: 'Up', down: 'Down', note: 'Change note', save: 'Save as a new version', saved: 'Saved as version {{v}}', history: 'Versions', trainedOn: 'Training',
      valueRank: 'Value rank',
      estimate: 'Estimate from data', estimateHint: "EM estimates m/u from the bank's own source records (no labels needed), keeps thresholds, manual weights and the source order, and saves a new version",
      estimateStarted: 'Estimate started; it is saved as a new version when done', estimateLatest: 'Latest estimate',
      estimateStatus: { queued: 'Queued', running: 'Estimating', done: 'Done', failed: 'Failed' },
      estimateResult: '{{records}} records, {{pairs}} candidate pairs → version {{v}}',
    },
  },
};
