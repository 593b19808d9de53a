import { useMemo } from 'react';
import { Select, Space, TreeSelect } from 'antd';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../../app/auth.tsx';
import { useLang } from '../../../app/useLang.ts';
import { useOrgs } from '../../admin/api.ts';
import { buildOrgTree } from '../../admin/orgTree.ts';
import { useStaff } from '../api.ts';

export type Who = { ownerId?: number; orgId?: number };

/** Whose numbers: a manager, or a team/branch (an org unit and everything below it). Own-scope users see only themselves anyway. */
export function ScopePicker({ value, onChange }: { value: Who; onChange: (w: Who) => void }) {
  const { t } = useTranslation();
  const { pick } = useLang();
  const { user } = useAuth();
  const supervisor = !!user && user.dataScope !== 'own';
  const staff = useStaff(supervisor);
  const orgs = useOrgs(supervisor);
  const tree = useMemo(() => buildOrgTree(orgs.data?.items ?? [], (u) => pick(u.name, u.nameEn)), [orgs.data, pick]);
  if (!supervisor) return null;
  return (
    <Space wrap>
      <Select
        allowClear
        size="small"
        showSearch
        optionFilterProp="label"
        style={{ width: 170 }}
        placeholder={t('engagement.fields.owner')}
        value={value.ownerId}
        onChange={(v) => onChange({ ownerId: v, orgId: undefined })}
        options={(staff.data?.items ?? []).map((m) => ({ value: m.id, label: `${m.displayName} · ${m.orgName}` }))}
        data-testid="eng-scope-owner"
      />
      <TreeSelect
        allowClear
        size="small"
        style={{ width: 200 }}
        placeholder={t('engagement.fields.team')}
        treeData={tree}
        treeDefaultExpandAll
        value={value.orgId}
        onChange={(v) => onChange({ ownerId: undefined, orgId: v })}
        data-testid="eng-scope-org"
      />
    </Space>
  );
}
