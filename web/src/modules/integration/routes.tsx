import { MergeCellsOutlined, SlidersOutlined } from '@ant-design/icons';
import type { WebModule } from '../../app/routing.tsx';
import { guard, page } from '../../app/routing.tsx';
import { en, zh } from './locales.ts';

const ReviewQueue = page(() => import('./components/ReviewQueue.tsx'), 'ReviewQueue');
const ReviewDetail = page(() => import('./components/ReviewDetail.tsx'), 'ReviewDetail');
const MergeHistoryPage = page(() => import('./components/MergeHistory.tsx'), 'MergeHistoryPage');
const ModelSettings = page(() => import('./components/ModelSettings.tsx'), 'ModelSettings');

/** Customer information integration: review queue, merges, match model. */
export const integrationModule: WebModule = {
  routes: [
    { path: 'integration/reviews', element: guard('integration:review', <ReviewQueue />) },
    { path: 'integration/reviews/:id', element: guard('integration:review', <ReviewDetail />) },
    { path: 'integration/merges', element: guard('integration:review', <MergeHistoryPage />) },
    { path: 'integration/model', element: guard('customer:read', <ModelSettings />) },
  ],
  menu: [
    { path: '/integration/reviews', permission: 'integration:review', labelKey: 'integration.menu', icon: <MergeCellsOutlined />, order: 15 },
    { path: '/integration/model', permission: 'integration:manage', labelKey: 'integration.modelMenu', icon: <SlidersOutlined />, order: 95 },
  ],
  locales: { zh, en },
};
