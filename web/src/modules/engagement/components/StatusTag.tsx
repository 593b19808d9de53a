import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';

const COLORS: Record<string, string> = {
  planned: 'default', in_progress: 'processing', done: 'success', cancelled: 'default',
  open: 'processing', won: 'success', lost: 'error',
  new: 'blue', analysing: 'processing', fulfilled: 'success', closed: 'default', rejected: 'error',
};
const NS = { activity: 'activityStatus', opportunity: 'oppStatus', requirement: 'reqStatus' } as const;

export function StatusTag({ kind, status }: { kind: keyof typeof NS; status: string }) {
  const { t } = useTranslation();
  return <Tag color={COLORS[status] ?? 'default'}>{t(`engagement.${NS[kind]}.${status}`, { defaultValue: status })}</Tag>;
}
