import { OrgTree } from '../modules/admin/components/OrgTree.tsx';

export function OrgPage() {
  return <OrgTree />;
}
