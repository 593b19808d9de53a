import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const root = fileURLToPath(new URL('.', import.meta.url));
const api = 'http://127.0.0.1:3000';

// Run from the repository root (`vite --config web/vite.config.ts`); paths are anchored to this folder.
export default defineConfig({
  root,
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    // antd alone is ~1 MB before gzip; pages are split per route, so the warning would only be noise.
    chunkSizeWarningLimit: 1600,
  },
  server: {
    proxy: {
      '/api': { target: api, changeOrigin: false },
      '/metrics': { target: api, changeOrigin: false },
    },
  },
});
