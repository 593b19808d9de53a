// Entry of the demo generator's worker thread. A worker starts without its parent's TypeScript
// loader (however the parent got it: tsx CLI, --import, or cli/banyan.mjs), so it registers tsx
// itself and then runs the TypeScript worker beside this file.
import { register } from 'tsx/esm/api';

register();
await import('./demo.worker.ts');
