import { lazy, type ComponentType, type ReactNode } from 'react';
import type { RouteObject } from 'react-router';
import { Result } from 'antd';
import { useTranslation } from 'react-i18next';
import { useAuth, type Permission } from './auth.tsx';

/** Route components are split per page; antd and React stay in the shared chunk. */
export function page<K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K) {
  return lazy(async () => ({ default: (await load())[name] }));
}

export function RequirePermission({ permission, children }: { permission: Permission; children: ReactNode }) {
  const { t } = useTranslation();
  const { can } = useAuth();
  if (!can(permission)) return <Result status="403" title={t('common.forbiddenTitle')} subTitle={t('common.forbiddenText')} />;
  return <>{children}</>;
}

export const guard = (permission: Permission, el: ReactNode) => <RequirePermission permission={permission}>{el}</RequirePermission>;

/** A menu entry of a module; `order` places it in the side menu (lower first). */
export type MenuEntry = { path: string; permission: Permission; labelKey: string; icon: ReactNode; order: number };

/**
 * What a front-office module contributes to the app: its pages (children of the signed-in layout),
 * its side-menu entries and its UI strings (`en` must have the same keys as `zh`).
 */
export type WebModule = { routes: RouteObject[]; menu: MenuEntry[]; locales: { zh: Record<string, unknown>; en: Record<string, unknown> } };
