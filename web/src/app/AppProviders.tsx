import { useEffect, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { App as AntApp, ConfigProvider, Empty } from 'antd';
// The ES builds: the package-root aliases are CommonJS and would hand Vite a wrapper object.
import antdZhCN from 'antd/es/locale/zh_CN';
import antdEnUS from 'antd/es/locale/en_US';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { ApiError } from './http.ts';
import { AuthProvider } from './auth.tsx';
import { useLang } from './useLang.ts';

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      refetchOnWindowFocus: false,
      // A 4xx will not get better by asking again.
      retry: (count, err) => !(err instanceof ApiError && err.status < 500) && count < 2,
    },
  },
});

/** antd follows the i18next language; re-rendering here re-localises every antd component. */
function Localised({ children }: { children: ReactNode }) {
  const { lang } = useLang();
  const { t } = useTranslation();
  useEffect(() => {
    document.title = t('app.title');
  }, [t, lang]);
  return (
    <ConfigProvider
      locale={lang === 'zh' ? antdZhCN : antdEnUS}
      componentSize="middle"
      theme={{ token: { borderRadius: 4 } }}
      // Dense screens: an empty table should cost one line, not a large illustration.
      renderEmpty={() => <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} styles={{ image: { height: 24 } }} style={{ margin: '4px 0' }} />}
    >
      <AntApp>{children}</AntApp>
    </ConfigProvider>
  );
}

export function AppProviders({ children }: { children: ReactNode }) {
  return (
    <QueryClientProvider client={queryClient}>
      <Localised>
        <AuthProvider>{children}</AuthProvider>
      </Localised>
    </QueryClientProvider>
  );
}
