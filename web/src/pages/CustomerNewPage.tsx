import { useNavigate } from 'react-router';
import { Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { CustomerForm } from '../modules/customers/components/CustomerForm.tsx';

export function CustomerNewPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  return (
    <>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {t('customer.form.newTitle')}
      </Typography.Title>
      <CustomerForm onSaved={(c) => navigate(`/customers/${encodeURIComponent(c.customerNo)}`, { replace: true })} onCancel={() => navigate(-1)} />
    </>
  );
}
