// Worker-thread entry of the model estimate: a fresh thread needs tsx registered before it can load TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./integration.estimate-worker.ts');
