import { Link } from 'react-router';
import { Empty, List, Space, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useLang } from '../../../app/useLang.ts';
import type { SimilarCase } from '../api.ts';

/** Past cases like this one, with how they were resolved and what was done so they do not recur. */
export function SimilarCases({ items, loading }: { items: SimilarCase[]; loading?: boolean }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  if (!loading && !items.length) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('service.form.similarEmpty')} />;
  return (
    <List
      size="small"
      loading={loading}
      dataSource={items}
      data-testid="similar-cases"
      renderItem={(c) => (
        <List.Item>
          <Space direction="vertical" size={2} style={{ width: '100%' }}>
            <Space wrap>
              <Link to={`/service/requests/${c.reqNo}`}>{c.reqNo}</Link>
              <Typography.Text strong>{c.subject}</Typography.Text>
              <Tag>{t(`service.kind.${c.kind}`)}</Tag>
              {c.categoryCode && <Tag>{pick(c.categoryName, c.categoryNameEn)}</Tag>}
              <Typography.Text type="secondary">{t('service.form.score')} {Math.round(c.score * 100)}%</Typography.Text>
            </Space>
            {c.resolution && <Typography.Text>{t('service.fields.resolution')}：{c.resolution}</Typography.Text>}
            {c.rootCause && <Typography.Text type="secondary">{t('service.fields.rootCause')}：{c.rootCause}</Typography.Text>}
            {c.preventiveAction && <Typography.Text type="secondary">{t('service.fields.preventiveAction')}：{c.preventiveAction}</Typography.Text>}
          </Space>
        </List.Item>
      )}
    />
  );
}
