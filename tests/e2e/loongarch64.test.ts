/**
 * A loongarch64 layout in the workbench as a user sees it: examples/loongarch64-zones on ls3a5000 under
 * hvisor. The root zone's terminal shows the root program starting zoneU by HVCL and listing the zones;
 * the register inspector shows the LA64 CPU (r-registers by their ABI names, PLV, the CSRs with decoded
 * fields, disassembly) after a pause; the interrupt-controller view shows the 7A2000's EIOINTC and
 * PCH-PIC as tables, and each zone's GINTC injection state. The same views, driven by data, with no loongarch64 case in the renderer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, waitForText, waitUntil, openLiveWorkbench, type LiveWorkbench } from './harness';

describe('a loongarch64 layout in the workbench', () => {
  let live: LiveWorkbench;

  beforeAll(async () => {
    live = await openLiveWorkbench('examples/loongarch64-zones');
  }, 60_000);

  afterAll(async () => {
    await live?.close();
  });

  it('runs the zones demo and shows the LA64 registers, decoded CSRs, disassembly, the EIOINTC and the PCH-PIC', async () => {
    const { page } = live.session;
    const terminal = page.getByTestId('zone-terminal-0');
    // zoneU prints on the root's UART from its own CPU as it starts, so under load its characters land inside
    // the root's start-up lines (and the root's inside its own); the config check comes before zoneU exists,
    // and a zone list asked for with 'l' once zoneU is idle comes out whole.
    await waitForText(terminal, 'root: config check: hypercall 6 -> 0, config magic 0x5', 60_000);
    await terminal.click();
    await waitUntil('a whole zone list naming zoneU running', async () => {
      await page.keyboard.type('l');
      return waitForText(terminal, 'zone 1 cpus 0x2 zoneU running', 3_000).then(() => true, () => false);
    }, 90_000);

    if (await page.getByTestId('bottom-panel').isVisible()) await page.keyboard.press('Control+Backquote');
    await page.keyboard.press('Control+Shift+Digit2');
    await page.getByTestId('registers-view').waitFor();
    await page.getByTestId('inspect-zone').selectOption('0');
    await page.getByTestId('inspect-cpu-0').waitFor();
    await page.getByTestId('zone-pause').click();
    await waitUntil('the root zone paused', async () => (await page.getByTestId('debug-status').innerText()).startsWith('Paused'));
    // The root program polls UART0 for a key at PLV0 in direct address mode.
    await waitUntil('a PLV0 pc', async () => (await page.getByTestId('level-value').innerText()) === 'PLV0');
    expect(await page.getByTestId('register-ra').innerText()).toMatch(/^0x|^[0-9a-f]/);
    expect(await page.getByTestId('disassembly').innerText()).toMatch(/ld\.bu\s+\$t0, \$s1, 5/);
    // CRMD with its fields decoded: direct address mode, PLV 0.
    const crmd = page.getByTestId('register-CRMD');
    await crmd.waitFor();
    await page.getByRole('button', { name: 'CRMD fields' }).click();
    const fields = await page.getByTestId('register-list-CSRs').innerText();
    expect(fields).toMatch(/\bDA\b/);
    expect(fields).toMatch(/\bPLV\b/);
    expect(await page.getByTestId('registers-view').innerText()).not.toMatch(/\bhart\b/i);
    await page.waitForTimeout(300);
    await screenshot(page, 'loongarch64-registers');
    await page.getByTestId('zone-continue').click();
    await waitUntil('running again', async () => !(await page.getByTestId('debug-status').innerText()).startsWith('Paused'));

    await page.getByTestId('main-view-interrupts').click();
    await page.getByTestId('controller-eiointc').waitFor();
    await page.getByTestId('controller-pic').waitFor();
    expect(await page.getByTestId('controller-eiointc').innerText()).toContain('EIOINTC (physical)');
    expect(await page.getByTestId('controller-pic').innerText()).toContain('PCH-PIC (physical)');
    // Nothing in the demo programs the 7A2000 path: its lines are unused until shown.
    await page.getByTestId('irq-show-unused').check();
    await page.getByTestId('line-eiointc-8').waitFor();
    await page.getByTestId('line-pic-8').waitFor();
    expect(await page.getByTestId('line-eiointc-255').count()).toBe(1);
    expect(await page.getByTestId('line-pic-63').count()).toBe(1);
    await page.getByTestId('irq-show-unused').uncheck();
    // Each zone's virtual state: LVZ's GINTC injections (none yet), with zoneU's CPU 1.
    const gintc = page.getByTestId('controller-gintc.1');
    await gintc.waitFor();
    expect(await gintc.innerText()).toContain('GINTC of zone 1 (zoneU)');
    expect(await page.getByTestId('target-gintc.1-1').innerText()).toMatch(/^1\b/);
    await page.waitForTimeout(300);
    await screenshot(page, 'loongarch64-interrupts');
    expect(live.session.errors).toEqual([]);
  }, 240_000);
});
