import { useState } from 'react';
import { App, Button, Space, Tooltip } from 'antd';
import { EyeOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../../app/http.ts';
import { useUnmask, type UnmaskKind } from '../api.ts';

type Props = {
  customerNo: string;
  kind: UnmaskKind;
  id: number;
  value: string | null;
  /** Only when the answer was masked and the role may unmask; otherwise the value is shown as is. */
  canReveal: boolean;
};

/** A masked value with an eye button; each reveal is a separate, audited request. */
export function RevealValue({ customerNo, kind, id, value, canReveal }: Props) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const unmask = useUnmask(customerNo);
  const [revealed, setRevealed] = useState<string | null>(null);
  if (!value) return <>—</>;
  if (revealed !== null) return <span data-testid="revealed-value">{revealed}</span>;
  if (!canReveal) return <>{value}</>;
  return (
    <Space size={4}>
      <span>{value}</span>
      <Tooltip title={t('customer.c360.revealTitle')}>
        <Button
          size="small"
          type="link"
          icon={<EyeOutlined />}
          loading={unmask.isPending}
          data-testid={`reveal-${kind}-${id}`}
          onClick={() =>
            unmask.mutate(
              { kind, id },
              { onSuccess: (r) => setRevealed(r.value), onError: (e) => void message.error(errorText(e)) },
            )
          }
        >
          {t('customer.c360.reveal')}
        </Button>
      </Tooltip>
    </Space>
  );
}
