/** Builds the Node entry points (CLI, vCPU worker, server) once, so tests run the real worker code. */
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  if (process.env.HVWB_SKIP_BUILD === '1') return;
  execFileSync(process.execPath, ['scripts/build-node.mjs'], { stdio: 'inherit' });
}
