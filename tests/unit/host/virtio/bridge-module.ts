/**
 * The bridge source transpiled to plain JavaScript in a temporary folder, so a real worker_thread can
 * import it (the bridge has no runtime imports for this reason).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

export function transpiledBridgeModule(): string {
  const source = readFileSync(path.resolve('src/core/virtio/virtio-bridge.ts'), 'utf8');
  const output = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-bridge-'));
  const file = path.join(dir, 'virtio-bridge.mjs');
  writeFileSync(file, output);
  return pathToFileURL(file).href;
}
