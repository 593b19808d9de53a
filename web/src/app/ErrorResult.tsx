import { Button, Result, Space } from 'antd';
import { useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ApiError, errorText } from './http.ts';

type Props = {
  /** What went wrong; a 404 (or none) shows "not found", a 403 "access denied", anything else its message. */
  error?: unknown;
  /** Where "back" goes (a list the record belongs to); the start page when not given. */
  backTo?: string;
  backLabel?: string;
  onRetry?: () => void;
};

/**
 * The one page for "this cannot be shown": a title and a sentence in the UI language and a way back, never a bare
 * status code. <ErrorResult error={q.error} backTo="/service" backLabel={t('service.nav.list')} />
 */
export function ErrorResult({ error, backTo = '/', backLabel, onRetry }: Props) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const status = error === undefined ? 404 : error instanceof ApiError ? error.status : 0;
  const back = <Button type="primary" onClick={() => navigate(backTo)} data-testid="error-back">{backLabel ?? t(backTo === '/' ? 'common.backHome' : 'common.backToList')}</Button>;
  const actions = (
    <Space>
      {back}
      {onRetry && status !== 404 && status !== 403 && <Button onClick={onRetry}>{t('common.retry')}</Button>}
      {backTo !== '/' && <Button onClick={() => navigate('/')}>{t('common.backHome')}</Button>}
    </Space>
  );
  // antd's Result does not pass data-* attributes on: the wrapper carries the test id.
  if (status === 404) return <div data-testid="not-found"><Result status="404" title={t('common.notFoundTitle')} subTitle={t('common.notFoundText')} extra={actions} /></div>;
  if (status === 403) return <div data-testid="forbidden"><Result status="403" title={t('common.forbiddenTitle')} subTitle={t('common.forbiddenText')} extra={actions} /></div>;
  return <div data-testid="load-failed"><Result status="error" title={t('common.loadFailed')} subTitle={errorText(error)} extra={actions} /></div>;
}
