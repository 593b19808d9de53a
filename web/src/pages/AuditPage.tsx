import { AuditLog } from '../modules/admin/components/AuditLog.tsx';

export function AuditPage() {
  return <AuditLog />;
}
