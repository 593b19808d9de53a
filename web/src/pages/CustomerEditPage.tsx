import { useNavigate, useParams } from 'react-router';
import { Button, Result, Skeleton, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { errorText } from '../app/http.ts';
import { useCustomer } from '../modules/customers/api.ts';
import { CustomerForm } from '../modules/customers/components/CustomerForm.tsx';

export function CustomerEditPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { customerNo = '' } = useParams();
  const q = useCustomer(customerNo);
  const back = () => navigate(`/customers/${encodeURIComponent(customerNo)}`);

  if (q.isPending) return <Skeleton active paragraph={{ rows: 10 }} />;
  if (q.isError) return <Result status="error" title={t('common.loadFailed')} subTitle={errorText(q.error)} extra={<Button onClick={back}>{t('common.back')}</Button>} />;
  return (
    <>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {t('customer.form.editTitle', { name: q.data.name })}
      </Typography.Title>
      {/* A reload after a version conflict brings a new version; remounting resets the form to it. */}
      <CustomerForm key={q.data.version} customer={q.data} onSaved={back} onCancel={back} />
    </>
  );
}
