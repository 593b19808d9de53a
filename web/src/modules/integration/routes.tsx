import type { WebModule } from '../../app/routing.tsx';
import { en, zh } from './locales.ts';

/** Customer information integration: review queue, merges, match model. */
export const integrationModule: WebModule = { routes: [], menu: [], locales: { zh, en } };
