// Worker-thread entry of the loader's file mapping: a fresh thread needs tsx registered before it can load TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./interfaces.batch-worker.ts');
