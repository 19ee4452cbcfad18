/**
 * The inspector views drawn from data alone: an aarch64 CPU's register groups (from a real A64 CPU's
 * inspect()) and a GICv3's tables (from a real GICv3's inspectState()) render in the same views as a
 * RISC-V hart and a PLIC, with the data's own words ("CPU", "INTID", "EL1h"), and none of RISC-V's.
 * Also the banner a window shows when the workbench speaks another protocol version. The .vue files
 * are compiled by Vite with the app's Vue plugin and rendered with Vue's server renderer (no DOM).
 */
import vue from '@vitejs/plugin-vue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type ViteDevServer } from 'vite';
import type { CpuRegisterState, InterruptControllersState, ZoneDebugState } from '../../../src/shared/protocol/index';
import { PROTOCOL_VERSION } from '../../../src/shared/protocol/index';
import { hex64 } from '../../../src/core/cpu/cpu-core';
import { isaInspect } from '../../../src/core/cpu/isa-inspect';
import { ArmGicv3 } from '../../../src/core/devices/intc/arm-gicv3/gicv3';
import { GicdOffset } from '../../../src/core/devices/intc/arm-gicv3/distributor';
import { VirtMachine } from '../core/aarch64-virt';
import { RecordingSignals, sharedRegion } from '../core/devices/helpers';

type Entry = typeof import('./ssr-entry');
let server: ViteDevServer;
let entry: Entry;

beforeAll(async () => {
  server = await createServer({
    configFile: false,
    root: new URL('../../../', import.meta.url).pathname,
    plugins: [vue()],
    appType: 'custom',
    logLevel: 'error',
    server: { middlewareMode: true, hmr: false, watch: null },
    optimizeDeps: { noDiscovery: true, include: [] },
  });
  entry = (await server.ssrLoadModule('/tests/unit/renderer/ssr-entry.ts')) as Entry;
}, 60_000);

afterAll(async () => {
  await server?.close();
});

/** Visible text of rendered HTML, tags dropped and whitespace collapsed. */
const text = (html: string): string => html.replace(/<!--.*?-->/g, '').replace(/<[^>]+>/g, ' ').replace(/&#39;/g, "'").replace(/\s+/g, ' ');

/** The inner HTML of the element carrying data-testid `id`, up to the first closing tag `tag` after it. */
function part(html: string, id: string, tag: string): string {
  const at = html.indexOf(`data-testid="${id}"`);
  if (at < 0) throw new Error(`no element ${id}`);
  const start = html.indexOf('>', at) + 1;
  return html.slice(start, html.indexOf(`</${tag}>`, start));
}

function aarch64Zone(): ZoneDebugState {
  const machine = new VirtMachine();
  machine.cpu.powerOn(0x4008_0000n, [0x4800_0000n], 'kernel');
  machine.cpu.setX(5, 0xdead_beefn);
  const nop = 0xd503201f;
  const isa = isaInspect('aarch64')!;
  const cpu: CpuRegisterState = {
    cpu: 2,
    vcpu: 0,
    status: 'paused',
    held: true,
    retired: 1234,
    pc: hex64(0x4008_0000n),
    pcPhysical: hex64(0x4008_0000n),
    level: 'EL1h',
    groups: machine.cpu.inspect().map((g) => ({
      name: g.name,
      registers: g.registers.map((r) => ({ name: r.name, value: typeof r.value === 'bigint' ? hex64(r.value) : r.value, ...(r.fields ? { fields: r.fields } : {}) })),
    })),
    disassembly: [0, 4, 8].map((offset) => ({
      address: hex64(0x4008_0000n + BigInt(offset)),
      bytes: '1f 20 03 d5',
      text: isa.disassemble(nop, 0x4008_0000n + BigInt(offset)),
      current: offset === 0,
      breakpoint: false,
    })),
    snapshot: 3,
    lastStop: { reason: 'step', pc: hex64(0x4008_0000n), count: 1 },
  };
  return { zone: 1, name: 'linux2', arch: 'aarch64', cpuNoun: 'CPU', paused: true, cpus: [cpu], points: { points: [], limits: { breakpoints: 16, watchpoints: 4 }, gdbOwns: false, hit: null }, symbols: { file: null, count: 0 } };
}

function gicState(): InterruptControllersState {
  const config = { cpus: 2, lines: 96 };
  const gic = new ArmGicv3(sharedRegion(ArmGicv3.stateBytes(config)), config, new RecordingSignals(2));
  gic.distributor.write(GicdOffset.ctlr, 4, 2);
  gic.distributor.write(GicdOffset.igroupr + 4, 4, 0xffff_ffff);
  gic.distributor.write(GicdOffset.isenabler + 4, 4, 1 << 1);
  gic.distributor.write(GicdOffset.irouter + 8 * 33, 4, 1);
  gic.setLevel(33, true);
  const data = gic.inspectState({ ownerOf: (line) => (line === 33 ? 1 : null), ownerOfCpu: () => 0 });
  return {
    arch: 'aarch64',
    zones: [{ id: 0, name: 'root-linux' }, { id: 1, name: 'linux2' }],
    controllers: [{ ...data, id: 'gic', title: 'GICv3 (physical)', zone: null, base: '0x8000000' }],
  };
}

describe('register inspector from data', () => {
  it("draws an aarch64 CPU's groups, its words and its disassembly, with nothing of RISC-V's", async () => {
    const zone = aarch64Zone();
    const html = await entry.render('registers', (store) => {
      store.debug = zone;
      store.cpu = 2;
    });
    const all = text(html);
    expect(all).toContain('vCPU 0 · CPU 2');
    expect(all).toContain('Paused after a step');
    expect(text(part(html, 'pc-info', 'span'))).toContain('pc 0x40080000');
    expect(text(part(html, 'level-value', 'span'))).toContain('EL1h');
    // Every group the CPU reported has its heading; the first is the compact general-purpose grid.
    for (const group of zone.cpus[0]!.groups.slice(1)) expect(html).toContain(`data-testid="register-group-${group.name}"`);
    expect(text(part(html, 'register-x5', 'td'))).toContain('deadbeef');
    expect(text(part(html, 'register-sp_el1', 'td'))).toMatch(/[0-9a-f]+/);
    // Decoded fields summarised from data: PSTATE's mode and its masked interrupts.
    const pstate = text(part(html, 'register-pstate', 'tr'));
    expect(pstate).toContain('M=EL1h');
    expect(pstate).toMatch(/\bI\b/);
    // The A64 disassembler's words, the current line marked.
    const listing = part(html, 'disassembly', 'table');
    expect(text(listing)).toContain('nop');
    expect(listing.match(/class="current"/g)).toHaveLength(1);
    expect(all).not.toMatch(/\bhart\b|\bCSR|Integer registers|Floating-point registers|-mode/);
  });

  it('says so when the snapshot was cut to fit its region', async () => {
    const zone = aarch64Zone();
    const cut: ZoneDebugState = { ...zone, cpus: [{ ...zone.cpus[0]!, groups: zone.cpus[0]!.groups.slice(0, 2), truncated: true }] };
    const html = await entry.render('registers', (store) => {
      store.debug = cut;
    });
    expect(text(part(html, 'registers-truncated', 'p'))).toContain("did not fit the CPU's shared region");
  });
});

describe('interrupt-controller inspector from data', () => {
  it("draws a GICv3's INTID table and CPU interfaces with the data's columns, hiding unused lines", async () => {
    const state = gicState();
    const html = await entry.render('interrupts', (store) => {
      store.controllers = state;
    });
    const panel = text(part(html, 'controller-gic', 'article'));
    expect(panel).toContain('GICv3 (physical)');
    expect(panel).toContain('arm-gicv3');
    const lines = part(html, 'lines-gic', 'table');
    for (const label of ['INTID', 'Type', 'Enabled', 'Pending', 'Priority', 'Trigger', 'Target', 'Owner']) expect(text(lines)).toContain(label);
    const spi = text(part(html, 'line-gic-33', 'tr'));
    expect(spi).toMatch(/33 SPI enabled pending/);
    expect(spi).toContain('1 · linux2');
    expect(spi).toContain('0.0.0.1 (cpu 1)');
    // Lines nobody uses stay hidden until asked for.
    expect(html).not.toContain('data-testid="line-gic-34"');
    const cpus = text(part(html, 'targets-gic', 'table'));
    expect(cpus).toContain('CPU interfaces');
    expect(cpus).toContain('Would acknowledge');
    expect(text(part(html, 'target-gic-1', 'tr'))).toMatch(/^\s*1 0x0 0xff 33\b/);
    // The distributor's control register decoded, from the data.
    expect(text(part(html, 'controller-register-gic-GICD_CTLR', 'tr'))).toContain('EnableGrp1');
    expect(text(html)).not.toMatch(/PLIC|\bhart\b|context/i);
  });
});

describe('protocol version banner', () => {
  it('tells the user to reload when the workbench speaks another protocol version', async () => {
    expect(await entry.render('banner')).not.toContain('protocol-mismatch');
    entry.emit('connection.hello', { protocol: PROTOCOL_VERSION });
    expect(await entry.render('banner')).not.toContain('protocol-mismatch');
    entry.emit('connection.hello', { protocol: PROTOCOL_VERSION + 1 });
    const html = await entry.render('banner');
    expect(text(part(html, 'protocol-mismatch', 'div'))).toContain('The workbench was updated: reload this window.');
    expect(html).toContain('data-testid="protocol-reload"');
  });
});
