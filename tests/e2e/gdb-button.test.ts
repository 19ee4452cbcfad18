/**
 * The workbench's GDB button (register inspector, per zone): it starts the zone's stub on 127.0.0.1,
 * shows the port and a ready gdb-multiarch command line, and the stub answers there.
 */
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLiveWorkbench, screenshot, waitForText, waitUntil, type LiveWorkbench } from './harness';

/** Sends `?` to the stub and resolves with what it answers (ack and stop reply). */
function ask(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write('$?#3f'));
    let got = '';
    socket.on('data', (d) => {
      got += d.toString('latin1');
      if (/#[0-9a-f]{2}$/.test(got)) {
        socket.end();
        resolve(got);
      }
    });
    socket.on('error', reject);
  });
}

describe('GDB button in the register inspector', () => {
  let live: LiveWorkbench;

  beforeAll(async () => {
    live = await openLiveWorkbench('examples/riscv64-zones');
  });

  afterAll(async () => {
    await live?.close();
  });

  it("shows zoneR's stub port and command line, and the stub answers", async () => {
    const { page } = live.session;
    await page.getByTestId('zone-tab-2').click();
    await waitForText(page.getByTestId('zone-terminal-2'), 'zoneR: timer via', 30_000);
    await page.keyboard.press('Control+Shift+Digit2');
    await page.getByTestId('registers-view').waitFor();
    await page.getByTestId('inspect-zone').selectOption('2');
    await page.getByTestId('zone-gdb').click();
    await page.getByTestId('gdb-stub').waitFor();
    const address = await page.getByTestId('gdb-port').innerText();
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    const port = Number(address.split(':')[1]);
    expect(await page.getByTestId('gdb-command').innerText()).toBe(
      `gdb-multiarch -ex 'set architecture riscv:rv64' -ex 'target remote 127.0.0.1:${port}' ${path.resolve('guest/riscv64/bin/zones-r.elf')}`,
    );
    expect(await ask(port)).toBe('+$T05thread:1;#' + (([...'T05thread:1;'].reduce((s, c) => s + c.charCodeAt(0), 0) & 0xff).toString(16).padStart(2, '0')));
    // The client left: zoneR runs again (not held by the stub).
    await waitUntil('zoneR running again', async () => (await page.getByTestId('zone-state-2').innerText()) === 'running');
    // Asking again gives the same stub.
    await page.getByTestId('zone-gdb').click();
    expect(await page.getByTestId('gdb-port').innerText()).toBe(address);

    // While a client is attached the breakpoints are gdb's: the view's list is read-only, with a note.
    const client = net.connect(port, '127.0.0.1');
    await once(client, 'connect');
    await page.getByTestId('points-gdb').waitFor();
    expect(await page.getByTestId('breakpoint-input').isDisabled()).toBe(true);
    await page.waitForTimeout(300);
    await screenshot(page, 'registers-gdb-owns');
    client.destroy();
    await page.getByTestId('points-gdb').waitFor({ state: 'detached' });
    expect(await page.getByTestId('breakpoint-input').isDisabled()).toBe(false);
  });
});
