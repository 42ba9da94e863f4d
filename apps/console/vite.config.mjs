// The console: a single-page app served by the hub at /console/, built into dist/console by
// `npm run build`. Everything it loads ships in the build (no CDN, no external font).
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // The charts are loaded with the dashboards page only.
    chunkSizeWarningLimit: 1200,
  },
});
