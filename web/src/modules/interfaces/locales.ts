/** UI strings of the interfaces module, under the top-level key `interfaces`. */
export const zh = {
  interfaces: {
    menu: '数据接口', sourcesMenu: '源系统',
    code: '接口代码', name: '名称', source: '源系统', connector: '连接方式', schedule: '调度（cron）', mappingVersion: '映射版本', description: '说明',
    disabled: '已停用', codeRule: '以字母开头，2–40 位字母、数字或下划线', notFound: '接口不存在', save: '保存', saved: '已保存', runNow: '立即运行',
    connectorName: { file: '文件（CSV/XLSX/JSONL）', postgres: 'PostgreSQL 拉取' },
    encoding: { auto: '自动识别', utf8: 'UTF-8', gb18030: 'GB18030', gbk: 'GBK' },
    status: { queued: '排队中', running: '运行中', succeeded: '成功', failed: '失败' },
    trigger: { upload: '上传', cli: '命令行', schedule: '定时', manual: '手动', resubmit: '重新提交' },
    sourceKind: { savings: '储蓄', card: '信用卡', loan: '贷款', wealth: '理财', housing_fund: '公积金', corporate: '对公', settlement: '结算', manual: '手工录入', other: '其他' },
    field: {
      kind: '客户类别', name: '名称', id_type: '证件类型', id_no: '证件号码', mobile: '手机', email: '邮箱', birth_date: '出生日期', gender: '性别', address: '地址',
      employer: '工作单位', legal_rep: '法定代表人', accounts: '账户', 'attributes.income_fen': '收入', 'attributes.job_level': '职务级别',
    },
    list: { title: '数据接口', new: '新建接口', lastRun: '最近运行', failedAlert: '{{count}} 个接口最近一次运行失败，请处理' },
    sources: {
      title: '源系统登记', new: '登记源系统', edit: '编辑源系统', code: '代码', name: '名称', nameEn: '英文名称', kind: '类型', owner: '负责部门/人', valueRank: '客户价值',
      valueRankHelp: '0–100：跨系统整合从价值最高的源系统开始', fieldTrust: '字段可信度', records: '记录数',
      help: '每个源系统的客户价值决定整合顺序；每个字段的可信度（0–100）决定合并时取哪个系统的值，例如信用卡系统的邮寄地址最准确。',
      trustHelp: '留空表示未评估；数值越高越可信。',
    },
    tabs: { upload: '上传加载', pull: '拉取', mapping: '映射', quarantine: '隔离区', history: '运行历史', settings: '设置' },
    upload: {
      encoding: '文件编码', drop: '点击或拖拽文件到此处上传', hint: 'CSV、XLSX 或 JSON Lines；GBK/GB18030 可自动识别。同一文件重复加载不会改变数据。',
      uploading: '上传中', resumed: '该文件的上次加载未完成，已从断点继续',
    },
    report: { read: '读取', accepted: '通过', rejected: '拒绝（已隔离）', new: '新增', changed: '变更', unchanged: '未变', integrationError: '客户整合出错（数据已加载）', resolved: '已整合入客户', resolving: '正在整合入客户中心：{{done}} / {{total}}' },
    history: { at: '时间', trigger: '方式', status: '状态', file: '文件', by: '操作人', load: '加载', format: '格式/编码', checkpoint: '断点（行）', batches: '批次', finished: '完成时间', log: '运行日志' },
    mapping: {
      recordKey: '记录主键列', recordKeyNone: '不设则以整行哈希为主键', recordKeyHelp: '源系统自己的记录编号，用于识别同一记录的变更',
      column: '源字段（列）', field: '目标字段', transforms: '转换', codeTable: '代码表', required: '必填', constant: '常量', addField: '添加字段',
      codeTables: '代码表', addTable: '添加代码表', otherwise: '表外取值', defaultValue: '默认值', sourceValue: '源值', banyanValue: 'Banyan 标准值', blank: '（空）', addEntry: '添加一项',
      match: { exact: '精确匹配', contains: '包含（自由文本）' },
      otherwiseOpt: { reject: '拒绝并隔离', keep: '保留原值', blank: '置空', default: '取默认值' },
      note: '本次修改说明', save: '保存为 v{{version}}', saved: '映射已保存为新版本', reset: '撤销修改', versions: '版本历史', current: '当前', useDraft: '载入编辑',
      invalid: '映射有误',
    },
    quarantine: {
      open: '待处理', status: { open: '待处理', resolved: '已修复', discarded: '已舍弃' }, load: '加载', row: '行号', reasons: '原因',
      fix: '修正', fixTitle: '修正并重新提交', fixAndSubmit: '提交', fixed: '已修正并加载', discard: '舍弃', discardTitle: '舍弃该行？', discardNote: '请填写舍弃原因（必填）',
      resubmitAll: '全部重新提交', resubmitConfirm: '按当前映射重新校验所有待处理行？', resubmitted: '重新提交完成',
      resubmitReport: '读取 {{read}} 行：通过 {{accepted}}（新增 {{new}}，变更 {{changed}}），仍拒绝 {{rejected}}',
      piiNote: '隔离数据含个人信息，查看已记入审计。', ragged: '该行列数不对，原始值：{{values}}',
    },
    settings: {
      delimiter: '分隔符', pgUrl: '数据库连接', pgQuery: 'SQL 查询', pgQueryHelp: '用 $1 引用上次的高水位值（首次为空），按水位列排序',
      watermarkColumn: '水位列', watermark: '当前高水位', cronHelp: '如 0 2 * * * 表示每天 2 点（北京时间）。', nextRun: '下次运行：',
      enabled: '启用', owner: '负责人（用户编号）', ownerHelp: '运行失败时提醒此人',
    },
  },
};

export const en: typeof zh = {
  interfaces: {
    menu: 'Data interfaces', sourcesMenu: 'Source systems',
    code: 'Code', name: 'Name', source: 'Source system', connector: 'Connector', schedule: 'Schedule (cron)', mappingVersion: 'Mapping', description: 'Description',
    disabled: 'disabled', codeRule: 'A letter, then 1–39 letters, digits or underscores', notFound: 'No such interface', save: 'Save', saved: 'Saved', runNow: 'Run now',
    connectorName: { file: 'File (CSV/XLSX/JSONL)', postgres: 'PostgreSQL pull' },
    encoding: { auto: 'Detect', utf8: 'UTF-8', gb18030: 'GB18030', gbk: 'GBK' },
    status: { queued: 'Queued', running: 'Running', succeeded: 'Succeeded', failed: 'Failed' },
    trigger: { upload: 'Upload', cli: 'CLI', schedule: 'Schedule', manual: 'Manual', resubmit: 'Resubmit' },
    sourceKind: { savings: 'Savings', card: 'Cards', loan: 'Loans', wealth: 'Wealth', housing_fund: 'Housing fund', corporate: 'Corporate', settlement: 'Settlement', manual: 'Manual entry', other: 'Other' },
    field: {
      kind: 'Party kind', name: 'Name', id_type: 'ID type', id_no: 'ID number', mobile: 'Mobile', email: 'E-mail', birth_date: 'Birth date', gender: 'Gender', address: 'Address',
      employer: 'Employer', legal_rep: 'Legal representative', accounts: 'Accounts', 'attributes.income_fen': 'Income', 'attributes.job_level': 'Job level',
    },
    list: { title: 'Data interfaces', new: 'New interface', lastRun: 'Last run', failedAlert: 'The last run of {{count}} interface(s) failed: please look' },
    sources: {
      title: 'Source systems', new: 'Register a source', edit: 'Edit source', code: 'Code', name: 'Name', nameEn: 'English name', kind: 'Kind', owner: 'Owner', valueRank: 'Customer value',
      valueRankHelp: '0–100: cross-system integration starts from the most valuable source', fieldTrust: 'Field trust', records: 'Records',
      help: "A source's customer value sets the order of integration; each field's trust (0–100) decides whose value survives a merge — e.g. the card system's mailing address is the most accurate.",
      trustHelp: 'Blank: not assessed; higher is more trusted.',
    },
    tabs: { upload: 'Upload', pull: 'Pull', mapping: 'Mapping', quarantine: 'Quarantine', history: 'Run history', settings: 'Settings' },
    upload: {
      encoding: 'Encoding', drop: 'Click or drop a file here', hint: 'CSV, XLSX or JSON lines; GBK/GB18030 is detected. Loading the same file again changes nothing.',
      uploading: 'Uploading', resumed: 'The last load of this file was unfinished: it resumes from its checkpoint',
    },
    report: { read: 'Read', accepted: 'Accepted', rejected: 'Rejected (quarantined)', new: 'New', changed: 'Changed', unchanged: 'Unchanged', integrationError: 'Customer integration failed (the data is loaded)', resolved: 'Resolved into customers', resolving: 'Resolving into the customer centre: {{done}} of {{total}}' },
    history: { at: 'At', trigger: 'Trigger', status: 'Status', file: 'File', by: 'By', load: 'Load', format: 'Format / encoding', checkpoint: 'Checkpoint (row)', batches: 'Batches', finished: 'Finished', log: 'Log' },
    mapping: {
      recordKey: 'Record key columns', recordKeyNone: 'None: a hash of the whole row', recordKeyHelp: "The source's own record id: how a changed record is recognised",
      column: 'Source column', field: 'Target field', transforms: 'Transformations', codeTable: 'Code table', required: 'Required', constant: 'constant', addField: 'Add a field',
      codeTables: 'Code tables', addTable: 'Add a code table', otherwise: 'Values not in the table', defaultValue: 'Default', sourceValue: 'Source value', banyanValue: 'Banyan value', blank: '(blank)', addEntry: 'Add an entry',
      match: { exact: 'Exact', contains: 'Contains (free text)' },
      otherwiseOpt: { reject: 'Reject (quarantine)', keep: 'Keep as is', blank: 'Blank', default: 'Use the default' },
      note: 'What changed', save: 'Save as v{{version}}', saved: 'Saved as a new version', reset: 'Undo changes', versions: 'Versions', current: 'current', useDraft: 'Edit from this',
      invalid: 'The mapping has problems',
    },
    quarantine: {
      open: 'Open', status: { open: 'Open', resolved: 'Fixed', discarded: 'Discarded' }, load: 'Load', row: 'Row', reasons: 'Reasons',
      fix: 'Fix', fixTitle: 'Fix and re-submit', fixAndSubmit: 'Submit', fixed: 'Fixed and loaded', discard: 'Discard', discardTitle: 'Discard this row?', discardNote: 'Why (required)',
      resubmitAll: 'Re-submit all', resubmitConfirm: 'Check every open row again with the current mapping?', resubmitted: 'Re-submitted',
      resubmitReport: 'Read {{read}}: accepted {{accepted}} (new {{new}}, changed {{changed}}), still rejected {{rejected}}',
      piiNote: 'Quarantined rows hold personal data; viewing them is audited.', ragged: 'The row has the wrong number of columns; as read: {{values}}',
    },
    settings: {
      delimiter: 'Delimiter', pgUrl: 'Connection URL', pgQuery: 'SQL query', pgQueryHelp: '$1 is the last high-watermark (null the first time); order by the watermark column',
      watermarkColumn: 'Watermark column', watermark: 'High-watermark', cronHelp: 'e.g. 0 2 * * * for 02:00 daily (Beijing time).', nextRun: 'Next run:',
      enabled: 'Enabled', owner: 'Owner (user id)', ownerHelp: 'Alerted when a run fails',
    },
  },
};
