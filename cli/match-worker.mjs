// Worker-thread entry of `banyan match`: a fresh thread needs tsx registered before it can load TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./match-worker.ts');
