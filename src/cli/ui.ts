/** `hvwb ui [layout]`: the workbench in browser mode, served on loopback with a per-run token. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { startBrowserServer } from '../server/index';
import { createWorkbenchServices } from '../host/workbench';
import { CliError, type Output } from './output';
import { repoRoot } from './index';

export async function runUi(layout: string, port: number, out: Output): Promise<number> {
  const rendererDir = path.join(repoRoot(), 'out/renderer');
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    throw new CliError('the renderer is not built yet: run `npm run build` (or `npm start`, which builds what is missing)');
  }
  const services = await createWorkbenchServices({ layoutPath: layout, autoStart: true });
  const server = await startBrowserServer({ services, port, rendererDir, log: (line) => out.stdout(line + '\n') });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await server.close();
  await services.dispose();
  return 0;
}
