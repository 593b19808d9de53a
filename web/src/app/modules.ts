import type { WebModule } from './routing.tsx';
import { engagementModule } from '../modules/engagement/routes.tsx';
import { managersModule } from '../modules/managers/routes.tsx';
import { productsModule } from '../modules/products/routes.tsx';
import { serviceModule } from '../modules/service/routes.tsx';
import { workplaceModule } from '../modules/workplace/routes.tsx';
import { interfacesModule } from '../modules/interfaces/routes.tsx';
import { integrationModule } from '../modules/integration/routes.tsx';

/** The front-office modules: their pages, menu entries and strings are composed into the app here. */
export const MODULES: WebModule[] = [managersModule, engagementModule, serviceModule, productsModule, workplaceModule, interfacesModule, integrationModule];
