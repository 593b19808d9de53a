import { RoleList } from '../modules/admin/components/RoleList.tsx';

export function RolesPage() {
  return <RoleList />;
}
