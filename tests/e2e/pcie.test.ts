/**
 * The PCIe assignment view on a copy of tests/fixtures/pcie-zones (qemu-plic's host with a
 * virtio-blk-pci at 00:01.0 and a virtio-net-pci at 00:02.0; zone1 lists 00:00.0 and 00:02.0, zone2
 * 00:00.0): the tree with class names and BAR sizes and the owners; 00:02.0 assigned to zone2 as well
 * gives the two-zone error, 00:01.0 dragged onto zone1 the root's; removing both and saving writes
 * hvisor's alloc_pci_devs into the zone files, the rest of each file as it was.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkbenchServices } from '../../src/host/services';
import { createWorkbenchServices } from '../../src/host/workbench';
import { buildRenderer, openWorkbench, repoRoot, screenshot, type Session, waitUntil } from './harness';

function copyLayout(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hvwb-pcie-'));
  cpSync(path.join(repoRoot, 'tests/fixtures/pcie-zones'), dir, { recursive: true });
  for (const name of ['layout.json', 'zone1.json', 'zone2.json']) {
    const file = path.join(dir, name);
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll('"../../../', `"${repoRoot}/`));
  }
  return dir;
}

describe('PCIe assignment view', () => {
  let services: WorkbenchServices;
  let session: Session;
  let dir: string;

  beforeAll(async () => {
    await buildRenderer();
    dir = copyLayout();
    services = await createWorkbenchServices({ layoutPath: dir, autoStart: false });
    session = await openWorkbench(services, { viewport: { width: 1440, height: 900 } });
  });

  afterAll(async () => {
    await session?.close();
    await services?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists the bus, flags a double assignment as it is made, and saves alloc_pci_devs', async () => {
    const { page } = session;
    await page.getByTestId('main-view-pci').click();
    const tree = page.getByTestId('pcie-tree');
    await tree.waitFor();
    const row = (bdf: string) => page.getByTestId(`pcie-fn-${bdf}`);
    await row('0000:00:02.0').waitFor();
    expect(await row('0000:00:00.0').innerText()).toMatch(/Host bridge[\s\S]*1b36:0008[\s\S]*none/);
    const blk = await row('0000:00:01.0').innerText();
    expect(blk).toMatch(/virtio-blk-pci[\s\S]*SCSI storage controller[\s\S]*1af4:1042/);
    expect(blk).toMatch(/BAR1 32-bit 4 KiB @ unassigned[\s\S]*BAR4 64-bit pref 16 KiB @ unassigned/);
    expect(blk).toMatch(/INTA → 33[\s\S]*MSI-X 2[\s\S]*PCIe/);
    expect(await row('0000:00:02.0').innerText()).toMatch(/Ethernet controller[\s\S]*1af4:1041[\s\S]*INTA → 34[\s\S]*MSI-X 3/);
    const owners = (bdf: string) => row(bdf).getByTestId('pcie-owners').innerText();
    await waitUntil('the owners from the zone files', async () => /zone1/.test(await owners('0000:00:02.0')));
    expect(await owners('0000:00:00.0')).toMatch(/root[\s\S]*zone1[\s\S]*zone2/);
    expect(await owners('0000:00:01.0')).not.toMatch(/zone/);
    const findings = page.getByTestId('pcie-findings');
    expect(await findings.innerText()).toContain('No findings');

    // 00:02.0 to zone2 as well: one endpoint in two zones.
    await row('0000:00:02.0').click();
    await page.getByTestId('pcie-target').selectOption('zone2.json');
    await page.getByTestId('pcie-assign-button').click();
    await waitUntil('zone2 as an owner', async () => /zone1[\s\S]*zone2/.test(await owners('0000:00:02.0')));
    await waitUntil('the two-zone finding', async () => /0000:00:02\.0 \(virtio-net-pci\) is also assigned to zone 1 "zone1"/.test(await findings.innerText()));
    expect(await findings.innerText()).toContain('zone2.json: alloc_pci_devs[1]');

    // 00:01.0 dragged onto zone1: the root keeps it.
    await row('0000:00:01.0').dragTo(page.getByTestId('pcie-zone-zone1.json'));
    await waitUntil('the root finding', async () => /zone1\.json: alloc_pci_devs\[1\][\s\S]*the root zone keeps it/.test(await findings.innerText()));
    expect(await page.getByTestId('pcie-zone-zone1.json').innerText()).toMatch(/0000:00:01\.0 SCSI storage controller/);
    await page.waitForTimeout(200);
    await screenshot(page, 'pcie');

    // Saving is refused while there are errors; remove both and save.
    await page.getByTestId('pcie-save').click();
    await waitUntil('the refusal', async () => /Not saved/.test(await page.getByTestId('pcie-report').innerText()));
    await row('0000:00:01.0').getByRole('button', { name: 'Remove 0000:00:01.0 from zone1' }).click();
    await row('0000:00:02.0').getByRole('button', { name: 'Remove 0000:00:02.0 from zone1' }).click();
    await waitUntil('no findings', async () => /No findings/.test(await findings.innerText()));
    await page.getByTestId('pcie-save').click();
    await waitUntil('saved', async () => /Saved/.test(await page.getByTestId('pcie-report').innerText()));

    const z1 = JSON.parse(readFileSync(path.join(dir, 'zone1.json'), 'utf8'));
    const z2 = JSON.parse(readFileSync(path.join(dir, 'zone2.json'), 'utf8'));
    expect(z1.alloc_pci_devs).toEqual([{ domain: '0x0', bus: '0x0', device: '0x0', function: '0x0', dev_type: '0' }]);
    expect(z2.alloc_pci_devs).toEqual([
      { domain: '0x0', bus: '0x0', device: '0x0', function: '0x0', dev_type: '0' },
      { domain: '0x0', bus: '0x0', device: '0x2', function: '0x0', dev_type: '0' },
    ]);
    // The rest of each file as it was.
    expect([z2.name, z2.cpus, z2.memory_regions[0].physical_start, z2.pci_config[0].ecam_base]).toEqual(['zone2', [2], '0x89000000', '0x30000000']);
    expect(Object.keys(z1)).toEqual(Object.keys(JSON.parse(readFileSync(path.join(repoRoot, 'tests/fixtures/pcie-zones/zone1.json'), 'utf8'))));
    expect(session.errors).toEqual([]);
  });
});

/**
 * The same view on the PCIe demo (examples/riscv64-pcie, qemu-aia): the root's list (the layout's
 * ROOT_PCI_DEVS) holds the host bridge and 00:01.0, zone 1 the host bridge, the bochs-display, its
 * disk and its network function; no findings. The screenshot is docs/screenshots/pcie-demo.png.
 */
describe('PCIe assignment view: the riscv64-pcie demo', () => {
  let services: WorkbenchServices;
  let session: Session;

  beforeAll(async () => {
    await buildRenderer();
    services = await createWorkbenchServices({ layoutPath: path.join(repoRoot, 'examples/riscv64-pcie'), autoStart: false });
    session = await openWorkbench(services, { viewport: { width: 1440, height: 900 } });
  });

  afterAll(async () => {
    await session?.close();
    await services?.dispose();
  });

  it("shows each zone's functions: the root's disk, zone 1's display, disk and network function", async () => {
    const { page } = session;
    await page.getByTestId('main-view-pci').click();
    await page.getByTestId('pcie-tree').waitFor();
    const row = (bdf: string) => page.getByTestId(`pcie-fn-${bdf}`);
    await row('0000:00:04.0').waitFor();
    expect(await row('0000:00:01.0').innerText()).toMatch(/virtio-blk-pci[\s\S]*1af4:1042/);
    expect(await row('0000:00:03.0').innerText()).toMatch(/virtio-blk-pci[\s\S]*1af4:1042/);
    expect(await row('0000:00:04.0').innerText()).toMatch(/virtio-net-pci[\s\S]*Ethernet controller[\s\S]*1af4:1041/);
    const display = await row('0000:00:02.0').innerText();
    expect(display).toMatch(/bochs-display[\s\S]*Display controller[\s\S]*1234:1111/);
    expect(display).toMatch(/BAR0 32-bit pref 16 MiB @ unassigned[\s\S]*BAR2 32-bit 4 KiB @ unassigned/);
    const owners = (bdf: string) => row(bdf).getByTestId('pcie-owners').innerText();
    await waitUntil('the owners from the zone file', async () => /linux1/.test(await owners('0000:00:04.0')));
    expect(await owners('0000:00:00.0')).toMatch(/root[\s\S]*linux1/);
    expect(await owners('0000:00:01.0')).toMatch(/root/);
    expect(await owners('0000:00:01.0')).not.toMatch(/linux1/);
    for (const bdf of ['0000:00:02.0', '0000:00:03.0', '0000:00:04.0']) {
      expect(await owners(bdf)).toMatch(/linux1/);
      expect(await owners(bdf)).not.toMatch(/root/);
    }
    expect(await page.getByTestId('pcie-findings').innerText()).toContain('No findings');
    expect(await page.getByTestId('pcie-zone-zone1.json').innerText()).toMatch(/0000:00:02\.0 Display controller/);
    await page.waitForTimeout(200);
    await screenshot(page, 'pcie-demo');
    expect(session.errors).toEqual([]);
  });
});
