import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Category, ProductStatus, RiskRating } from '../api.ts';

const RISK_COLOURS: Record<RiskRating, string> = { R1: 'green', R2: 'cyan', R3: 'gold', R4: 'orange', R5: 'red' };
const STATUS_COLOURS: Record<ProductStatus, string> = { active: 'success', suspended: 'warning', retired: 'default' };
const CATEGORY_COLOURS: Record<Category, string> = {
  deposit: 'blue', loan: 'purple', card: 'geekblue', wealth: 'gold', fund: 'volcano', insurance: 'magenta', other: 'default',
};

export function RiskTag({ rating, testId }: { rating: RiskRating | null; testId?: string }) {
  const { t } = useTranslation();
  if (!rating) return <span data-testid={testId}>—</span>;
  return (
    <Tag color={RISK_COLOURS[rating]} data-testid={testId}>
      {t(`products.risk.${rating}`)}
    </Tag>
  );
}

export function StatusTag({ status }: { status: ProductStatus }) {
  const { t } = useTranslation();
  return <Tag color={STATUS_COLOURS[status]}>{t(`products.status.${status}`)}</Tag>;
}

export function CategoryTag({ category }: { category: Category }) {
  const { t } = useTranslation();
  return <Tag color={CATEGORY_COLOURS[category]}>{t(`products.category.${category}`)}</Tag>;
}
