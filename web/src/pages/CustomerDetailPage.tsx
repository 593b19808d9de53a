import { useParams } from 'react-router';
import { Customer360 } from '../modules/customers/components/Customer360.tsx';

export function CustomerDetailPage() {
  const { customerNo = '' } = useParams();
  // Keyed so that following a relation link starts the next customer with fresh local state.
  return <Customer360 key={customerNo} customerNo={customerNo} />;
}
