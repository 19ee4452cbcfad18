/**
 * The renderer's Vite config, used alone by `npm run build:renderer` (browser mode needs nothing
 * else) and merged into electron.vite.config.ts for the Electron build, so both produce the same app.
 */
import vue from '@vitejs/plugin-vue';
import type { UserConfig } from 'vite';

const rendererRoot = decodeURIComponent(new URL('.', import.meta.url).pathname);
const outDir = decodeURIComponent(new URL('../../out/renderer', import.meta.url).pathname);

export const rendererConfig = {
  root: rendererRoot,
  // Relative asset URLs: Electron loads index.html from file://, browser mode from http://.
  base: './',
  plugins: [vue()],
  build: {
    outDir,
    emptyOutDir: true,
    target: 'chrome120',
    chunkSizeWarningLimit: 1024,
    rolldownOptions: { input: `${rendererRoot}index.html` },
  },
} satisfies UserConfig;

export default rendererConfig;
