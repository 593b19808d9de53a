import { StrictMode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { RouterProvider } from 'react-router';
import { unstableSetRender } from 'antd';
import './app/i18n.ts';
import { AppProviders } from './app/AppProviders.tsx';
import { router } from './app/router.tsx';

// antd 5 renders message/notification/wave portals with the legacy ReactDOM.render, which React 19
// removed; hand it createRoot instead (the documented v5-for-19 shim).
unstableSetRender((node, container) => {
  const c = container as Element & { _banyanRoot?: Root };
  c._banyanRoot ??= createRoot(c);
  const root = c._banyanRoot;
  root.render(node);
  return async () => {
    await new Promise((resolve) => setTimeout(resolve, 0));
    root.unmount();
    delete c._banyanRoot;
  };
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <AppProviders>
      <RouterProvider router={router} />
    </AppProviders>
  </StrictMode>,
);
