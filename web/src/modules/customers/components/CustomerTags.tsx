import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { useLang } from '../../../app/useLang.ts';
import type { CustomerStatus } from '../api.ts';

const STATUS_COLOR: Record<CustomerStatus, string> = { potential: 'blue', active: 'green', dormant: 'orange', churned: 'red' };
const LEVEL_COLOR: Record<string, string> = { standard: 'default', gold: 'gold', platinum: 'geekblue', diamond: 'purple', private: 'magenta' };

export function StatusTag({ status }: { status: CustomerStatus }) {
  const { t } = useTranslation();
  return <Tag color={STATUS_COLOR[status] ?? 'default'}>{t(`customer.status.${status}`, { defaultValue: status })}</Tag>;
}

export function LevelTag({ code, name, nameEn }: { code: string | null | undefined; name: string | null | undefined; nameEn: string | null | undefined }) {
  const { pick } = useLang();
  if (!code) return <>—</>;
  return <Tag color={LEVEL_COLOR[code] ?? 'cyan'}>{pick(name, nameEn) || code}</Tag>;
}
