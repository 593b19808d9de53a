import { UserList } from '../modules/admin/components/UserList.tsx';

export function UsersPage() {
  return <UserList />;
}
