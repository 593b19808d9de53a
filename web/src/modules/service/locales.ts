/** UI strings of the service module, under the top-level key `service`. */
export const zh = {
  service: {
    menu: '服务',
    menuDashboard: '服务看板',
    nav: { requests: '服务请求', dashboard: '时效看板', outbound: '关怀与走访', dispatch: '上门派工', archive: '案例库', settings: '服务设置' },
    kind: { enquiry: '业务咨询', complaint: '投诉', suggestion: '建议', report: '客户申告', care: '客户关怀', statement: '账单服务' },
    priority: { low: '低', normal: '普通', high: '高', urgent: '紧急' },
    channel: { counter: '柜面', phone: '呼叫中心', email: '电子邮件', web: '网页表单', sms: '短信', wechat: '微信', app: '手机银行', visit: '走访' },
    status: { open: '待受理', in_progress: '处理中', pending_customer: '待客户反馈', resolved: '已解决', closed: '已关闭' },
    action: {
      create: '受理', assign: '分派', take: '领取', respond: '回复/处理', wait: '等待客户', resolve: '解决', close: '关闭', reopen: '重新打开',
      escalate: '超时升级', archive: '归档分析', dispatch: '上门派工',
    },
    fields: {
      reqNo: '请求号', kind: '类型', category: '分类', priority: '优先级', channel: '渠道', status: '状态', customer: '客户', subject: '主题',
      description: '描述', assignee: '处理人', queue: '队列', org: '机构', createdAt: '受理时间', dueAt: '解决时限', responseDueAt: '响应时限',
      respondedAt: '首次响应', sla: '剩余时间', escalatedTo: '升级至', escalatedAt: '升级时间', resolution: '解决方案', resolvedAt: '解决时间',
      closedAt: '关闭时间', satisfaction: '满意度', satisfactionNote: '满意度说明', rootCause: '根本原因', preventiveAction: '预防措施', createdBy: '受理人',
      note: '说明', reason: '原因',
    },
    sla: { breached: '已超时', overdueBy: '超时 {{time}}', remaining: '剩余 {{time}}', done: '已完成', met: '按时完成', escalated: '已升级', unit: { d: '天', h: '小时', m: '分', s: '秒' } },
    list: {
      title: '服务请求', newRequest: '新建请求', searchPlaceholder: '请求号、客户号、客户名或主题', onlyOpen: '仅未完成', onlyMine: '我处理的', onlyBreached: '仅超时',
      exportFileName: '服务请求.xlsx',
    },
    form: {
      title: '新建服务请求', customerPlaceholder: '输入客户姓名、拼音、客户号或手机号搜索', submit: '提交', created: '已创建服务请求 {{reqNo}}',
      unassigned: '暂不分派', similarTitle: '相似历史案例', similarEmpty: '暂无相似案例', score: '相似度',
    },
    detail: {
      title: '服务请求 {{reqNo}}', steps: '处理过程', similar: '相似历史案例', system: '系统', to: '转给', actions: '操作',
      assignTitle: '分派', respondTitle: '回复/处理记录', waitTitle: '等待客户反馈', resolveTitle: '解决', closeTitle: '关闭并记录满意度',
      reopenTitle: '重新打开', archiveTitle: '归档分析（根本原因与预防措施）', takeDone: '已领取', done: '已保存',
      complaintNeedsCause: '投诉需填写根本原因与预防措施，以免问题再次发生',
    },
    dashboard: {
      title: '服务时效看板', open: '未完成', dueSoon: '即将到期', breached: '已超时', escalated: '已升级', escalatedToMe: '升级给我', unassigned: '未分派',
      byAssignee: '按处理人', byQueue: '按队列', byTeam: '按机构', attention: '需关注（已超时或即将到期）', refreshed: '更新于 {{time}}', nobody: '（未分派）',
      noQueue: '（无队列）', soonWindow: '到期窗口（分钟）',
    },
    outbound: {
      title: '关怀与走访', plan: '安排关怀/走访', record: '记录结果', cancel: '取消', kind: { care_call: '关怀电话', visit: '客户走访' },
      status: { planned: '计划中', done: '已完成', cancelled: '已取消' },
      outcome: { reached: '已联系', not_reached: '未联系上', satisfied: '客户满意', follow_up: '需跟进', declined: '客户拒绝' },
      fields: { kind: '类型', customer: '客户', purpose: '目的', plannedAt: '计划时间', owner: '负责人', status: '状态', outcome: '结果', outcomeNote: '结果说明', doneAt: '完成时间' },
      exportFileName: '关怀与走访.xlsx', saved: '已保存',
    },
    dispatch: {
      title: '上门派工', find: '查找人选', candidates: '推荐人选', dispatch: '派工', record: '登记结果', skill: '所需技能', slot: '时段', customer: '客户',
      task: '任务', address: '地址', reqNo: '关联请求号', level: '技能等级', load: '当日派工', available: '可派', onLeave: '休假', busy: '时段冲突', near: '本辖区',
      status: { dispatched: '已派工', done: '已完成', cancelled: '已取消' }, outcome: '结果', list: '派工记录', assignee: '人员',
      staff: '员工技能', skills: '技能', editSkills: '设置技能', leave: '登记休假', leaveReason: '休假原因', dispatched: '已派工', exportFileName: '派工记录.xlsx',
      markDone: '完成', markCancelled: '取消',
    },
    archive: { title: '案例库（已关闭请求）', searchPlaceholder: '搜索主题、描述、解决方案、根本原因、预防措施' },
    settings: { title: 'SLA 时效设置', responseMinutes: '响应时限（分钟）', resolutionMinutes: '解决时限（分钟）', saved: '已保存' },
  },
};

export const en: typeof zh = {
  service: {
    menu: 'Service',
    menuDashboard: 'Service dashboard',
    nav: { requests: 'Requests', dashboard: 'Timeliness', outbound: 'Care and visits', dispatch: 'Field dispatch', archive: 'Case archive', settings: 'Settings' },
    kind: { enquiry: 'Enquiry', complaint: 'Complaint', suggestion: 'Suggestion', report: 'Report', care: 'Care', statement: 'Statement' },
    priority: { low: 'Low', normal: 'Normal', high: 'High', urgent: 'Urgent' },
    channel: { counter: 'Counter', phone: 'Call centre', email: 'E-mail', web: 'Web form', sms: 'SMS', wechat: 'WeChat', app: 'Mobile app', visit: 'Visit' },
    status: { open: 'Open', in_progress: 'In progress', pending_customer: 'Awaiting customer', resolved: 'Resolved', closed: 'Closed' },
    action: {
      create: 'Opened', assign: 'Assigned', take: 'Taken', respond: 'Response', wait: 'Awaiting customer', resolve: 'Resolved', close: 'Closed', reopen: 'Reopened',
      escalate: 'Escalated (SLA breach)', archive: 'Archive analysis', dispatch: 'Field dispatch',
    },
    fields: {
      reqNo: 'Request no.', kind: 'Kind', category: 'Category', priority: 'Priority', channel: 'Channel', status: 'Status', customer: 'Customer', subject: 'Subject',
      description: 'Description', assignee: 'Assignee', queue: 'Queue', org: 'Org unit', createdAt: 'Opened', dueAt: 'Due', responseDueAt: 'Response due',
      respondedAt: 'First response', sla: 'Time left', escalatedTo: 'Escalated to', escalatedAt: 'Escalated', resolution: 'Resolution', resolvedAt: 'Resolved',
      closedAt: 'Closed', satisfaction: 'Satisfaction', satisfactionNote: 'Satisfaction note', rootCause: 'Root cause', preventiveAction: 'Preventive action', createdBy: 'Opened by',
      note: 'Note', reason: 'Reason',
    },
    sla: { breached: 'Breached', overdueBy: 'Overdue {{time}}', remaining: '{{time}} left', done: 'Done', met: 'Met', escalated: 'Escalated', unit: { d: 'd', h: 'h', m: 'm', s: 's' } },
    list: {
      title: 'Service requests', newRequest: 'New request', searchPlaceholder: 'Request no., customer no., customer name or subject', onlyOpen: 'Open only', onlyMine: 'Mine',
      onlyBreached: 'Breached only', exportFileName: 'service-requests.xlsx',
    },
    form: {
      title: 'New service request', customerPlaceholder: 'Search by name, pinyin, customer no. or mobile', submit: 'Submit', created: 'Request {{reqNo}} created',
      unassigned: 'Leave unassigned', similarTitle: 'Similar past cases', similarEmpty: 'No similar cases', score: 'Similarity',
    },
    detail: {
      title: 'Service request {{reqNo}}', steps: 'Handling steps', similar: 'Similar past cases', system: 'System', to: 'to', actions: 'Actions',
      assignTitle: 'Assign', respondTitle: 'Response / handling note', waitTitle: 'Await customer', resolveTitle: 'Resolve', closeTitle: 'Close with satisfaction',
      reopenTitle: 'Reopen', archiveTitle: 'Archive analysis (root cause and prevention)', takeDone: 'Taken', done: 'Saved',
      complaintNeedsCause: 'A complaint needs its root cause and preventive action, so it does not recur',
    },
    dashboard: {
      title: 'Service timeliness', open: 'Open', dueSoon: 'Due soon', breached: 'Breached', escalated: 'Escalated', escalatedToMe: 'Escalated to me', unassigned: 'Unassigned',
      byAssignee: 'By assignee', byQueue: 'By queue', byTeam: 'By org unit', attention: 'Needs attention (breached or due soon)', refreshed: 'Updated {{time}}', nobody: '(unassigned)',
      noQueue: '(no queue)', soonWindow: 'Due-soon window (minutes)',
    },
    outbound: {
      title: 'Care calls and visits', plan: 'Plan a call or visit', record: 'Record outcome', cancel: 'Cancel', kind: { care_call: 'Care call', visit: 'Visit' },
      status: { planned: 'Planned', done: 'Done', cancelled: 'Cancelled' },
      outcome: { reached: 'Reached', not_reached: 'Not reached', satisfied: 'Satisfied', follow_up: 'Needs follow-up', declined: 'Declined' },
      fields: { kind: 'Kind', customer: 'Customer', purpose: 'Purpose', plannedAt: 'Planned', owner: 'Owner', status: 'Status', outcome: 'Outcome', outcomeNote: 'Outcome note', doneAt: 'Done' },
      exportFileName: 'care-and-visits.xlsx', saved: 'Saved',
    },
    dispatch: {
      title: 'Field dispatch', find: 'Find staff', candidates: 'Suggested staff', dispatch: 'Dispatch', record: 'Record outcome', skill: 'Skill needed', slot: 'Slot', customer: 'Customer',
      task: 'Task', address: 'Address', reqNo: 'Request no.', level: 'Skill level', load: 'Jobs that day', available: 'Available', onLeave: 'On leave', busy: 'Slot taken', near: 'Local',
      status: { dispatched: 'Dispatched', done: 'Done', cancelled: 'Cancelled' }, outcome: 'Outcome', list: 'Dispatches', assignee: 'Staff',
      staff: 'Staff skills', skills: 'Skills', editSkills: 'Set skills', leave: 'Record leave', leaveReason: 'Reason', dispatched: 'Dispatched', exportFileName: 'dispatches.xlsx',
      markDone: 'Done', markCancelled: 'Cancel',
    },
    archive: { title: 'Case archive (closed requests)', searchPlaceholder: 'Search subject, description, resolution, root cause, prevention' },
    settings: { title: 'SLA settings', responseMinutes: 'Response (minutes)', resolutionMinutes: 'Resolution (minutes)', saved: 'Saved' },
  },
};
