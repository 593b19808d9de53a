import type { WebModule } from '../../app/routing.tsx';
import { en, zh } from './locales.ts';

/** Data interface platform: sources, mappings, loads with progress, quarantine. */
export const interfacesModule: WebModule = { routes: [], menu: [], locales: { zh, en } };
