/**
 * Electron main: one hardened window, the workbench services, and IPC forwarding of the wire
 * protocol. All logic lives in host/; this file only wires Electron to it.
 */
import { app, BrowserWindow, dialog, ipcMain, session, type WebContents } from 'electron';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createWorkbenchServices } from '../host/workbench';
import { WireSession } from '../host/transport/wire-session';
import type { WorkbenchServices } from '../host/services';
import { WIRE_CHANNEL } from '../shared/protocol/wire-client';

const here = import.meta.dirname;
const rendererIndex = path.join(here, '../renderer/index.html');
const devServerUrl = process.env.ELECTRON_RENDERER_URL;
const sessions = new Map<number, WireSession>();
let services: WorkbenchServices | undefined;

/** The layout comes from HVWB_LAYOUT (set by scripts/start.mjs) or the first non-switch argument. */
function layoutPath(): string {
  const fromArgs = process.argv.slice(app.isPackaged ? 1 : 2).find((arg) => !arg.startsWith('-') && arg !== '.');
  return path.resolve(process.env.HVWB_LAYOUT ?? fromArgs ?? path.join(app.getAppPath(), 'examples/riscv64-hello'));
}

function isOwnUrl(url: string): boolean {
  if (devServerUrl) return url.startsWith(devServerUrl);
  return url.split(/[?#]/)[0] === pathToFileURL(rendererIndex).href;
}

function hardenSession(): void {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
}

function hardenContents(contents: WebContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event, url) => {
    if (!isOwnUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

function sessionFor(contents: WebContents): WireSession | undefined {
  if (!services) return undefined;
  let wire = sessions.get(contents.id);
  if (!wire) {
    wire = new WireSession(services, (message) => {
      if (!contents.isDestroyed()) contents.send(WIRE_CHANNEL, message);
    });
    sessions.set(contents.id, wire);
  }
  return wire;
}

function dropSession(contentsId: number): void {
  sessions.get(contentsId)?.dispose();
  sessions.delete(contentsId);
}

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 800,
    minHeight: 500,
    show: false,
    title: 'hvisor workbench',
    backgroundColor: '#1e1e1e',
    autoHideMenuBar: true,
    webPreferences: {
      preload: path.join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  const contentsId = window.webContents.id;
  window.once('ready-to-show', () => window.show());
  // A reload starts a fresh renderer: shells and subscriptions of the old page must go.
  window.webContents.on('did-start-navigation', (details) => {
    if (details.isMainFrame && !details.isSameDocument) dropSession(contentsId);
  });
  window.webContents.on('destroyed', () => dropSession(contentsId));
  if (devServerUrl) void window.loadURL(devServerUrl);
  else void window.loadFile(rendererIndex);
  return window;
}

ipcMain.on(WIRE_CHANNEL, (event, message: unknown) => {
  // Only our own page's main frame may drive the services, never an iframe or a foreign page.
  const frame = event.senderFrame;
  if (!frame || frame !== event.sender.mainFrame || !isOwnUrl(frame.url)) return;
  sessionFor(event.sender)?.handle(message);
});

app.on('web-contents-created', (_event, contents) => hardenContents(contents));

app.on('window-all-closed', () => app.quit());

let quitting = false;
app.on('before-quit', (event) => {
  if (quitting || !services) return;
  event.preventDefault();
  quitting = true;
  for (const id of [...sessions.keys()]) dropSession(id);
  void services.dispose().finally(() => app.quit());
});

void app.whenReady().then(async () => {
  hardenSession();
  try {
    services = await createWorkbenchServices({ layoutPath: layoutPath(), autoStart: true });
  } catch (error) {
    dialog.showErrorBox('hvisor workbench', `Cannot open the layout ${layoutPath()}:\n${String(error)}`);
    app.exit(1);
    return;
  }
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});
