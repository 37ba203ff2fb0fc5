import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Built by `npm run build` (npm install runs it) into web/dist, which the server serves at /.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1000 },
  // `npm run dev:web` proxies the API to a server on the default port.
  server: { proxy: { '/v1': 'http://127.0.0.1:8080' } },
});
