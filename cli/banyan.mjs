#!/usr/bin/env node
// The `banyan` command. TypeScript runs through tsx, so there is no build step for the server.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
