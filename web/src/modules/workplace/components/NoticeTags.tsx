import { Tag } from 'antd';
import { PushpinFilled } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import type { NoticePriority, NoticeState } from '../api.ts';

const PRIORITY_COLOR: Record<NoticePriority, string | undefined> = { normal: undefined, important: 'orange', urgent: 'red' };
const STATE_COLOR: Record<NoticeState, string> = { published: 'green', scheduled: 'blue', expired: 'default', withdrawn: 'default' };

export function PriorityTag({ priority, pinned }: { priority: NoticePriority; pinned?: boolean }) {
  const { t } = useTranslation();
  return (
    <>
      {pinned && <PushpinFilled style={{ color: '#fa8c16', marginRight: 4 }} title={t('workplace.notice.pinned')} />}
      {priority !== 'normal' && <Tag color={PRIORITY_COLOR[priority]}>{t(`workplace.priority.${priority}`)}</Tag>}
    </>
  );
}

export function StateTag({ state }: { state: NoticeState }) {
  const { t } = useTranslation();
  return <Tag color={STATE_COLOR[state]}>{t(`workplace.state.${state}`)}</Tag>;
}
