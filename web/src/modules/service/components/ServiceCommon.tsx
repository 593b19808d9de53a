import { useEffect, useState } from 'react';
import { Link, useLocation } from 'react-router';
import { Menu, Select, Tag, Typography } from 'antd';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useAuth, type Permission } from '../../../app/auth.tsx';
import { customersApi } from '../../customers/api.ts';
import type { Priority, ServiceRequest, Status } from '../api.ts';

/** The service pages as tabs over each page; entries the role cannot use are left out. */
export function ServiceNav() {
  const { t } = useTranslation();
  const { can } = useAuth();
  const { pathname } = useLocation();
  const entries: [string, string, Permission][] = [
    ['/service', 'requests', 'customer:read'],
    ['/service/dashboard', 'dashboard', 'service:supervise'],
    ['/service/outbound', 'outbound', 'customer:read'],
    ['/service/dispatch', 'dispatch', 'service:supervise'],
    ['/service/archive', 'archive', 'customer:read'],
    ['/service/settings', 'settings', 'service:supervise'],
  ];
  const visible = entries.filter(([, , p]) => can(p));
  const current = [...visible].reverse().find(([path]) => pathname === path || (path !== '/service' && pathname.startsWith(path)))?.[0] ?? '/service';
  return (
    <Menu
      mode="horizontal"
      selectedKeys={[current]}
      style={{ marginBottom: 12 }}
      data-testid="service-nav"
      items={visible.map(([path, key]) => ({ key: path, label: <Link to={path}>{t(`service.nav.${key}`)}</Link> }))}
    />
  );
}

/** Re-renders every `ms`, for the live SLA timers. */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const h = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(h);
  }, [ms]);
  return now;
}

export function useDuration() {
  const { t } = useTranslation();
  return (ms: number) => {
    const abs = Math.abs(ms);
    const s = Math.floor(abs / 1000);
    const d = Math.floor(s / 86400);
    const h = Math.floor((s % 86400) / 3600);
    const m = Math.floor((s % 3600) / 60);
    const u = (k: 'd' | 'h' | 'm' | 's') => t(`service.sla.unit.${k}`);
    if (d > 0) return `${d}${u('d')} ${h}${u('h')}`;
    if (h > 0) return `${h}${u('h')} ${m}${u('m')}`;
    return `${m}${u('m')} ${s % 60}${u('s')}`;
  };
}

type SlaFields = Pick<ServiceRequest, 'status' | 'dueAt' | 'breachedAt' | 'escalatedAt' | 'resolvedAt'>;

/**
 * The live SLA timer: counts down to the deadline, turns red once it has passed — whether or not the
 * escalation job has run yet — and says when the request was escalated.
 */
export function SlaTimer({ r }: { r: SlaFields }) {
  const { t } = useTranslation();
  const now = useNow();
  const fmt = useDuration();
  const open = r.status === 'open' || r.status === 'in_progress' || r.status === 'pending_customer';
  const due = new Date(r.dueAt).getTime();
  if (!open) {
    const late = r.breachedAt !== null || (r.resolvedAt !== null && new Date(r.resolvedAt).getTime() > due);
    return (
      <Tag color={late ? 'red' : 'green'} data-testid="sla-timer" data-breached={late ? 'true' : 'false'}>
        {late ? t('service.sla.breached') : t('service.sla.met')}
      </Tag>
    );
  }
  const left = due - now;
  const breached = left < 0 || r.breachedAt !== null;
  const color = breached ? 'red' : left < 3600_000 ? 'orange' : 'blue';
  return (
    <span data-testid="sla-timer" data-breached={breached ? 'true' : 'false'}>
      <Tag color={color}>{left < 0 ? t('service.sla.overdueBy', { time: fmt(left) }) : breached ? t('service.sla.breached') : t('service.sla.remaining', { time: fmt(left) })}</Tag>
      {r.escalatedAt && <Tag color="volcano">{t('service.sla.escalated')}</Tag>}
    </span>
  );
}

const STATUS_COLOR: Record<Status, string> = { open: 'gold', in_progress: 'blue', pending_customer: 'purple', resolved: 'green', closed: 'default' };
export function StatusTag({ status }: { status: Status }) {
  const { t } = useTranslation();
  return <Tag color={STATUS_COLOR[status]}>{t(`service.status.${status}`)}</Tag>;
}

const PRIORITY_COLOR: Record<Priority, string> = { low: 'default', normal: 'blue', high: 'orange', urgent: 'red' };
export function PriorityTag({ priority }: { priority: Priority }) {
  const { t } = useTranslation();
  return <Tag color={PRIORITY_COLOR[priority]}>{t(`service.priority.${priority}`)}</Tag>;
}

/** Picks a customer by searching the customer list (name, pinyin, number, mobile) inside the user's scope. */
export function CustomerPicker({ value, onChange, testId = 'customer-picker' }: { value?: string; onChange?: (v: string) => void; testId?: string }) {
  const { t } = useTranslation();
  const [q, setQ] = useState('');
  const [debounced, setDebounced] = useState('');
  useEffect(() => {
    const h = setTimeout(() => setDebounced(q.trim()), 300);
    return () => clearTimeout(h);
  }, [q]);
  const found = useQuery({
    queryKey: ['service', 'customer-picker', debounced],
    queryFn: () => customersApi.list({ q: debounced, page: 1, pageSize: 20 }),
    enabled: debounced.length > 0,
  });
  return (
    <Select
      showSearch
      allowClear
      value={value}
      onChange={(v) => onChange?.(v)}
      onSearch={setQ}
      filterOption={false}
      loading={found.isFetching}
      placeholder={t('service.form.customerPlaceholder')}
      data-testid={testId}
      options={(found.data?.items ?? []).map((c) => ({
        value: c.customerNo,
        label: (
          <span>
            {c.name} <Typography.Text type="secondary">{c.customerNo}</Typography.Text>
          </span>
        ),
      }))}
      notFoundContent={null}
    />
  );
}
