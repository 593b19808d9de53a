import { Tag, Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';
import { useLang } from '../../../app/useLang.ts';
import type { FieldLineage, ReviewStatus, Zone } from '../api.ts';

const ZONE_COLOR: Record<Zone, string> = { match: 'green', review: 'gold', nonmatch: 'default' };
const STATUS_COLOR: Record<ReviewStatus, string> = { pending: 'processing', confirmed: 'success', rejected: 'default' };

export function ZoneTag({ zone }: { zone: Zone | null }) {
  const { t } = useTranslation();
  if (!zone) return <>—</>;
  return <Tag color={ZONE_COLOR[zone]}>{t(`integration.zone.${zone}`)}</Tag>;
}

export function ReviewStatusTag({ status }: { status: ReviewStatus }) {
  const { t } = useTranslation();
  return <Tag color={STATUS_COLOR[status]}>{t(`integration.status.${status}`)}</Tag>;
}

/** Which source a golden-record value came from, and by which rule (hover for the detail). */
export function SourceTag({ lineage, field }: { lineage?: Record<string, FieldLineage>; field: string }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const l = lineage?.[field];
  if (!l) return null;
  const name = l.sourceName ? pick(l.sourceName, l.sourceNameEn) : l.source;
  return (
    <Tooltip title={`${t(`integration.rule.${l.rule}`)}${l.recordKey ? ` · ${l.recordKey}` : ''} · ${t('integration.model.valueRank')} ${l.trust}`}>
      <Tag color={l.source === 'MANUAL' ? 'purple' : 'blue'} style={{ marginInlineStart: 6 }} data-testid={`lineage-tag-${field}`}>
        {name}
      </Tag>
    </Tooltip>
  );
}

export const pct = (p: number | null) => (p === null ? '—' : `${(p * 100).toFixed(p > 0.999 ? 3 : 1)}%`);
