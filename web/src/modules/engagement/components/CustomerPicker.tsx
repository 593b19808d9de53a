import { useEffect, useState } from 'react';
import { Select } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { customersApi } from '../../customers/api.ts';

/** A customer chosen by name, pinyin or number among those the user may see; the value is the customer number. */
export function CustomerPicker({ value, onChange, disabled }: { value?: string; onChange?: (v: string) => void; disabled?: boolean }) {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const [q, setQ] = useState('');
  useEffect(() => {
    const h = setTimeout(() => setQ(text.trim()), 300);
    return () => clearTimeout(h);
  }, [text]);
  const found = useQuery({
    queryKey: ['customers', 'list', 'picker', q || value || ''],
    queryFn: () => customersApi.list({ q: q || value, page: 1, pageSize: 20 }),
    enabled: !disabled,
  });
  return (
    <Select
      showSearch
      value={value}
      disabled={disabled}
      placeholder={t('engagement.msg.customerSearch')}
      filterOption={false}
      onSearch={setText}
      onChange={(v) => onChange?.(v)}
      loading={found.isFetching}
      data-testid="eng-customer-picker"
      options={(found.data?.items ?? []).map((c) => ({ value: c.customerNo, label: `${c.name} (${c.customerNo})` }))}
    />
  );
}
