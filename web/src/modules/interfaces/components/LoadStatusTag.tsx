import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Load } from '../api.ts';

const COLORS: Record<Load['status'], string> = { queued: 'default', running: 'processing', succeeded: 'success', failed: 'error' };

export function LoadStatusTag({ status }: { status: Load['status'] }) {
  const { t } = useTranslation();
  return <Tag color={COLORS[status]}>{t(`interfaces.status.${status}`)}</Tag>;
}
