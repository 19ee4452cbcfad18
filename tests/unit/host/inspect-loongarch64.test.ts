/**
 * The interrupt-controller view of the ls3a5000 board (examples/loongarch64-hello): the 7A2000's PCH-PIC
 * and the EIOINTC appear as data (their tables and register maps), with no renderer code naming them, and
 * follow the bridge UART's interrupt once the path is programmed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLayout } from '../../../src/host/layout-loader';
import { InspectService } from '../../../src/host/inspect-service';
import { startMachine, type LiveMachine } from '../../helpers/live-machine';
import { EiointcReg, EXT_IOI_EN } from '../../../src/core/devices/intc/loongson-eiointc';
import { PchPicReg } from '../../../src/core/devices/intc/loongson-pch-pic';

describe('inspector on ls3a5000', () => {
  let machine: LiveMachine | undefined;
  let inspect: InspectService;

  beforeAll(async () => {
    machine = await startMachine(await loadLayout('examples/loongarch64-hello'));
    inspect = new InspectService(machine.host, () => {});
  });

  afterAll(async () => {
    await machine?.stop();
  });

  it('lists the PCH-PIC and the EIOINTC from their data, and shows the UART request travel through both', () => {
    const { view } = machine!.host;
    const state = inspect.interruptControllers();
    expect(state.arch).toBe('loongarch64');
    expect(state.controllers.map((c) => [c.id, c.title, c.base])).toEqual([
      ['eiointc', 'EIOINTC (physical)', '0x1fe01600'],
      ['pic', 'PCH-PIC (physical)', '0x10000000'],
    ]);
    const eio = state.controllers[0]!;
    expect(eio.registerMap.map((r) => r.name)).toEqual(['MISC_FUNC', 'NODETYPE', 'IPMAP', 'ENABLE', 'BOUNCE', 'ISR', 'COREISR', 'COREMAP']);
    expect(eio.lines.rows).toHaveLength(256);
    expect(eio.targets!.rows).toHaveLength(4);
    expect(state.controllers[1]!.lines.rows).toHaveLength(64);

    // Program the path as Linux would, from the host side, and raise the bridge UART's receive interrupt.
    const iocsr = view.devices.iocsr!;
    iocsr.write(0, EiointcReg.MISC_FUNC, 8, EXT_IOI_EN);
    iocsr.write(0, EiointcReg.IPMAP, 8, 0x0202_0202_0202_0202n);
    iocsr.write(0, EiointcReg.COREMAP + 8, 1, 0x2n);
    iocsr.write(0, EiointcReg.ENABLE, 4, 1n << 8n);
    view.bus.write(0x1000_0000 + PchPicReg.HTMSI_VEC + 8, 1, 8);
    view.bus.write(0x1000_0000 + PchPicReg.HTMSI_EN, 4, 0xffff_ffff);
    view.bus.write(0x1000_0000 + PchPicReg.MASK, 4, ~(1 << 8) >>> 0);
    view.bus.write(0x1008_0001, 1, 1);
    const uart1 = view.devices.uarts[1]!;
    uart1.inputRing.pushBytes([0x41]);
    uart1.poll();

    const after = inspect.interruptControllers();
    const input8 = after.controllers[1]!.lines.rows.find((r) => r.key === '8')!;
    expect(input8.cells).toMatchObject({ input: 8, level: true, enabled: true, pending: true, trigger: 'level', vector: 8, ht: 'on' });
    const vector8 = after.controllers[0]!.lines.rows.find((r) => r.key === '8')!;
    expect(vector8.cells).toMatchObject({ vector: 8, level: true, enabled: true, pending: true, core: 1, pin: 'INT1' });
    expect(after.controllers[0]!.targets!.rows[1]!.cells).toMatchObject({ core: 1, latched: '8', pins: 'INT1' });
    expect(after.controllers[0]!.registers[0]).toMatchObject({ name: 'MISC_FUNC', fields: [{ name: 'EXT_IOI_EN', value: '1' }] });
  });
});
