/**
 * electron-vite build of main, preload and renderer. The preload is CommonJS because sandboxed
 * preloads cannot be ES modules; main follows package.json ("type": "module").
 */
import { defineConfig } from 'electron-vite';
import { rendererConfig } from './src/renderer/vite.config';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      lib: { entry: 'src/main/index.ts' },
      // node-pty is native and ws has optional native parts: load them from node_modules at run time.
      externalizeDeps: true,
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      lib: { entry: 'src/preload/index.ts', formats: ['cjs'] },
      rolldownOptions: { output: { format: 'cjs', entryFileNames: '[name].cjs' } },
      // A sandboxed preload can only require('electron'): everything else must be bundled in.
      externalizeDeps: false,
    },
  },
  renderer: rendererConfig,
});
