/**
 * aarch64 zones in the workbench, on the real services: examples/aarch64-zones shows three zone
 * terminals (the root on the PL011, zoneU and zoneR on their virtio consoles) and the
 * interrupt-controller view shows the physical GICv3 with each zone's SPI, PPIs and SGIs and their
 * owners, and each zone's vGICv3 with its own SPIs and CPU interfaces only; examples/aarch64-ivc shows
 * IVC messages going each way in the root's terminal. The three consoles side by side are
 * test-results/screenshots/aarch64-zones.png, copied to docs/screenshots/aarch64-zones.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createWorkbenchServices } from '../../src/host/workbench';
import { buildRenderer, openWorkbench, screenshot, terminalText, waitForText, waitUntil, openLiveWorkbench, type LiveWorkbench } from './harness';

const ZONE_U_ROW = /\|\s+1 \|\s+1, 2 \|\s+zoneU \|\s+running \|/;
const ZONE_R_ROW = /\|\s+2 \|\s+3 \|\s+zoneR \|\s+running \|/;

async function openInterrupts(page: Page): Promise<void> {
  await page.getByTestId('main-view-interrupts').click();
  await page.getByTestId('controller-gic').waitFor();
}

describe('aarch64 zones in the workbench', () => {
  let live: LiveWorkbench;

  beforeAll(async () => {
    // Wide enough for three consoles side by side with hvisor's 71-column zone table unwrapped.
    await buildRenderer();
    const services = await createWorkbenchServices({ layoutPath: 'examples/aarch64-zones', autoStart: true });
    const session = await openWorkbench(services, { viewport: { width: 2100, height: 1000 } });
    live = { services, session, close: async () => { await session.close(); await services.dispose(); } };
  });

  afterAll(async () => {
    await live?.close();
  });

  it('shows the three zones in their own terminals, side by side', async () => {
    const { page } = live.session;
    for (const id of [0, 1, 2]) await page.getByTestId(`zone-item-${id}`).waitFor();

    // The root's PL011: the zone list after its hypercall 2, and the prompt.
    const root = page.getByTestId('zone-terminal-0');
    await waitForText(root, ZONE_U_ROW, 30_000);
    const rootText = await waitForText(root, 'root> ', 20_000);
    expect(rootText).toMatch(ZONE_R_ROW);
    expect(rootText).toMatch(/hypercall 2 \(config 0x[0-9a-f]+, 3136 bytes\) -> 0/);
    expect(rootText).not.toContain('zoneU: CPU');

    // zoneU's virtio console, in its own terminal.
    await page.getByTestId('zone-tab-1').click();
    const zoneU = page.getByTestId('zone-terminal-1');
    await waitForText(zoneU, 'zoneU: CPU_ON(3) -> -2 (INVALID_PARAMETERS): refused, as it must be', 20_000);
    await waitForText(zoneU, /zoneU: CPU 2 ticks=\d+ sgis=\d+/, 20_000);
    expect(await terminalText(zoneU)).toContain('console virtio-mmio 0xa003800');

    // zoneR's, with its latency lines.
    await page.getByTestId('zone-tab-2').click();
    const zoneR = page.getByTestId('zone-terminal-2');
    await waitForText(zoneR, /latency min=\d+ mean=\d+ max=\d+ ticks/, 30_000);
    expect(await terminalText(zoneR)).toContain('console virtio-mmio 0xa003600');
    await page.getByTestId('hart-1-2').waitFor();
    await page.getByTestId('hart-2-3').waitFor();

    // All three consoles side by side, the bottom panel out of the way: the documentation's screenshot.
    if (await page.getByTestId('bottom-panel').isVisible()) await page.keyboard.press('Control+Backquote');
    await page.getByTestId('terminal-layout-toggle').click();
    await waitUntil('the three consoles side by side', async () => {
      for (const id of [0, 1, 2]) if (!(await page.getByTestId(`zone-terminal-${id}`).isVisible())) return false;
      return true;
    });
    await waitForText(zoneU, 'enters a busy loop', 20_000);
    await page.waitForTimeout(300);
    await screenshot(page, 'aarch64-zones');
    expect(live.session.errors).toEqual([]);
  }, 120_000);

  it("names zoneR's pc from its ELF and stops it at a breakpoint added by the name zone_irq", async () => {
    const { page } = live.session;
    // zoneR up (when this test runs alone).
    await page.getByTestId('zone-item-2').waitFor();
    await page.getByTestId('zone-tab-2').click();
    await waitForText(page.getByTestId('zone-terminal-2'), /latency min=\d+/, 40_000);
    await page.keyboard.press('Control+Shift+Digit2');
    await page.getByTestId('registers-view').waitFor();
    await page.getByTestId('inspect-zone').selectOption('2');
    await page.getByTestId('inspect-cpu-3').waitFor();
    await waitUntil('zoneR symbols', async () => /^\d+ symbols from .*zones-r\.elf$/.test(await page.getByTestId('symbols-info').innerText()));
    await page.getByTestId('breakpoint-input').fill('zone_irq');
    await page.getByTestId('breakpoint-input').press('Enter');
    await waitUntil('the breakpoint hit', async () => (await page.getByTestId('debug-status').innerText()) === 'Paused on breakpoint 1 at zone_irq', 10_000);
    expect(await page.getByTestId('pc-symbol').innerText()).toBe('<zone_irq>');
    expect(await page.locator('[data-testid="disassembly"] tr.current [data-testid="line-symbol"]').innerText()).toBe('<zone_irq>');
    await page.getByTestId('point-hit-1').waitFor();
    await page.getByTestId('point-remove-1').click();
    await page.getByTestId('zone-continue').click();
    await waitUntil('zoneR running', async () => !(await page.getByTestId('debug-status').innerText()).startsWith('Paused'));
    await page.getByTestId('main-view-consoles').click();
  }, 90_000);

  it("shows the GICv3 with each zone's interrupts and owners, and each zone's vGICv3", async () => {
    const { page } = live.session;
    // The physical GICv3: each zone's SPI with its owner, and the banked PPI 27 and SGI 1 of each
    // zone's CPUs with that zone as owner.
    await openInterrupts(page);
    const gic = page.getByTestId('controller-gic');
    expect(await gic.innerText()).toContain('GICv3 (physical)');
    const owner = async (row: string): Promise<string> => page.getByTestId(`line-gic-${row}`).innerText();
    expect(await owner('33')).toMatch(/SPI[\s\S]*enabled[\s\S]*root-linux/);
    expect(await owner('76')).toMatch(/SPI[\s\S]*zoneU/);
    expect(await owner('75')).toMatch(/SPI[\s\S]*zoneR/);
    for (const cpu of [1, 2]) {
      expect(await owner(`cpu${cpu}.27`)).toMatch(/PPI[\s\S]*enabled[\s\S]*zoneU/);
      expect(await owner(`cpu${cpu}.1`)).toMatch(/SGI[\s\S]*enabled[\s\S]*zoneU/);
    }
    expect(await owner('cpu3.27')).toMatch(/PPI[\s\S]*enabled[\s\S]*zoneR/);

    // Each zone's vGICv3: its own SPIs and CPU interfaces, nobody else's.
    const vgic = (zone: number) => page.getByTestId(`controller-vgicv3.${zone}`);
    expect(await vgic(0).innerText()).toContain('vGICv3 of zone 0 (root-linux)');
    expect(await vgic(1).innerText()).toContain('vGICv3 of zone 1 (zoneU)');
    expect(await vgic(2).innerText()).toContain('vGICv3 of zone 2 (zoneR)');
    await page.getByTestId('line-vgicv3.0-33').waitFor();
    await page.getByTestId('line-vgicv3.1-76').waitFor();
    await page.getByTestId('line-vgicv3.2-75').waitFor();
    expect(await page.getByTestId('line-vgicv3.1-75').count()).toBe(0);
    expect(await page.getByTestId('line-vgicv3.2-76').count()).toBe(0);
    expect(await page.getByTestId('line-vgicv3.1-33').count()).toBe(0);
    // Its CPUs' own PPIs (the virtual timer's 27) are in a zone's vGIC; another zone's CPU's are not.
    await page.getByTestId('line-vgicv3.2-cpu3.27').waitFor();
    expect(await page.getByTestId('line-vgicv3.2-cpu1.27').count()).toBe(0);
    expect(await page.getByTestId('line-vgicv3.1-cpu3.27').count()).toBe(0);
    for (const [zone, cpus] of [[0, [0]], [1, [1, 2]], [2, [3]]] as const) {
      for (let cpu = 0; cpu < 4; cpu++) {
        expect(await page.getByTestId(`target-vgicv3.${zone}-${cpu}`).count(), `zone ${zone} CPU ${cpu}`).toBe((cpus as readonly number[]).includes(cpu) ? 1 : 0);
      }
    }
    // The programs write only their own interrupts' fields: hvisor's filter dropped nothing.
    for (const zone of [0, 1, 2]) expect(await vgic(zone).innerText()).toContain('Nothing matches the filters.');
    await vgic(1).scrollIntoViewIfNeeded();
    await page.waitForTimeout(300);
    await screenshot(page, 'aarch64-zones-gic');
    expect(live.session.errors).toEqual([]);
  }, 60_000);
});

describe('IVC in the workbench', () => {
  let live: LiveWorkbench;

  beforeAll(async () => {
    live = await openLiveWorkbench('examples/aarch64-ivc');
  });

  afterAll(async () => {
    await live?.close();
  });

  it("shows zone 1's pings and the root's pongs going through hvisor's IVC in the root's terminal", async () => {
    const { page } = live.session;
    await page.getByTestId('zone-item-1').waitFor();
    const root = page.getByTestId('zone-terminal-0');
    // The root found its region through HvIvcInfo, then zone 1's message arrived on the doorbell SPI.
    await waitForText(root, 'ivc: HvIvcInfo -> 0: 1 region, ivc_id 0, control table 0xd0000000, shared memory 0xd0001000, irq 65', 30_000);
    await waitForText(root, 'ivc: zone 1 says: ping 1 from zone 1, peer 1 (shared counter 1)', 20_000);
    // "done" comes after zone 1 read the root's third pong from the root's out section.
    const text = await waitForText(root, 'ivc: zone 1 says: done: 3 pongs received (shared counter 3)', 20_000);
    const pings = [...text.matchAll(/ivc: zone 1 says: ping (\d) from zone 1, peer 1/g)].map((m) => Number(m[1]));
    expect(pings).toEqual([1, 2, 3]);

    // The doorbells in the interrupt-controller view: SPI 65 the root's, SPI 66 zone 1's.
    await openInterrupts(page);
    expect(await page.getByTestId('line-gic-65').innerText()).toMatch(/SPI[\s\S]*enabled[\s\S]*root-linux/);
    expect(await page.getByTestId('line-gic-66').innerText()).toMatch(/SPI[\s\S]*enabled[\s\S]*zone1-ivc/);
    await page.getByTestId('line-vgicv3.1-66').waitFor();
    expect(await page.getByTestId('line-vgicv3.1-65').count()).toBe(0);
    expect(live.session.errors).toEqual([]);
  }, 90_000);
});
