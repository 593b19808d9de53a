import { CustomerList } from '../modules/customers/components/CustomerList.tsx';

export function CustomersPage() {
  return <CustomerList />;
}
