/** Shared e2e plumbing: build the renderer, serve it in browser mode, drive Debian's Chromium. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import type { WorkbenchServices } from '../../src/host/services';
import { createWorkbenchServices } from '../../src/host/workbench';
import { startBrowserServer, type BrowserServer } from '../../src/server/index';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const rendererDir = path.join(repoRoot, 'out/renderer');
export const screenshotDir = path.join(repoRoot, 'test-results/screenshots');

const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let builtRendererDir: string | undefined;

/**
 * The renderer to serve: the one tests/global-setup.ts built for the whole run (HVWB_RENDERER_DIR), or
 * else a build into a folder of this test file's own (test files run in parallel and must not empty
 * each other's out/renderer). HVWB_SKIP_RENDERER_BUILD=1 serves an existing out/renderer instead.
 */
export async function buildRenderer(): Promise<string> {
  // Built once for the whole run by tests/global-setup.ts (read-only here: no session removes it).
  const shared = process.env.HVWB_RENDERER_DIR;
  if (shared && existsSync(path.join(shared, 'index.html'))) {
    builtRendererDir = shared;
    return shared;
  }
  if (process.env.HVWB_SKIP_RENDERER_BUILD === '1' && existsSync(path.join(rendererDir, 'index.html'))) {
    builtRendererDir = rendererDir;
    return rendererDir;
  }
  const outDir = await mkdtemp(path.join(tmpdir(), 'hvwb-renderer-'));
  const vite = path.join(repoRoot, 'node_modules/vite/bin/vite.js');
  execFileSync(process.execPath, [vite, 'build', '--config', 'src/renderer/vite.config.ts', '--outDir', outDir, '--logLevel', 'warn'], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  builtRendererDir = outDir;
  return outDir;
}

export interface Session {
  readonly server: BrowserServer;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Browser console errors and page errors, for assertions and diagnosis. */
  readonly errors: string[];
  close(): Promise<void>;
}

export async function openWorkbench(
  services: WorkbenchServices,
  options: { colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } } = {},
): Promise<Session> {
  const server = await startBrowserServer({ services, rendererDir: builtRendererDir ?? (await buildRenderer()), log: () => undefined });
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'hvwb-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.HVWB_CHROMIUM ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: options.viewport ?? { width: 1400, height: 860 },
    colorScheme: options.colorScheme ?? 'dark',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(server.url);
  return {
    server,
    context,
    page,
    errors,
    async close() {
      await context.close();
      await server.close();
      await rm(userDataDir, { recursive: true, force: true });
      if (builtRendererDir && builtRendererDir !== rendererDir && builtRendererDir !== process.env.HVWB_RENDERER_DIR) await rm(builtRendererDir, { recursive: true, force: true });
      builtRendererDir = undefined;
    },
  };
}

/** The text xterm's DOM renderer shows, row by row. */
/** The whole buffer of the xterm inside `terminal`, scrollback included (XtermView's xtermText). */
export function terminalText(terminal: Locator): Promise<string> {
  return terminal.locator('.xterm-host').first().evaluate((element) => (element as HTMLElement & { xtermText(): string }).xtermText());
}

export async function waitForText(terminal: Locator, expected: string | RegExp, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = await terminalText(terminal).catch(() => '');
    if (typeof expected === 'string' ? text.includes(expected) : expected.test(text)) return text;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`terminal never showed ${String(expected)}; it shows:\n${text}`);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Polls `check` every 100 ms until it holds; on timeout the error names `what` and, if given, what is shown. */
export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 20_000, shown?: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}${shown ? `; it shows:\n${await shown().catch(String)}` : ''}`);
}

export interface LiveWorkbench {
  readonly services: WorkbenchServices;
  readonly session: Session;
  close(): Promise<void>;
}

/** The real services running a layout, opened in Chromium at a desktop size. */
export async function openLiveWorkbench(layoutPath: string): Promise<LiveWorkbench> {
  await buildRenderer();
  const services = await createWorkbenchServices({ layoutPath, autoStart: true });
  const session = await openWorkbench(services, { viewport: { width: 1440, height: 900 } });
  return {
    services,
    session,
    close: async () => {
      await session.close();
      await services.dispose();
    },
  };
}

