/**
 * A small bare-metal LA64 guest, assembled by the workbench's own assembler, on CPU 0 of the ls3a5000
 * board's devices: it programs the EIOINTC through IOCSR (EXT_IOI_EN, IPMAP to IP1, vector 8 to core 0,
 * enabled) and the PCH-PIC through MMIO (input 8 -> vector 8, HT message on, unmasked) as Linux does,
 * enables the bridge UART's receive interrupt and sleeps in IDLE with only HWI1 enabled. Each wake-up it
 * records ESTAT, acknowledges COREISR and echoes what the UART holds: typed bytes come back only through
 * UART -> PCH-PIC -> EIOINTC -> HWI1.
 */
import { describe, expect, it } from 'vitest';
import { AddressSpace } from '../../../../src/core/bus/address-space';
import { CpuWord } from '../../../../src/core/cpu/cpu-core';
import { instantiateDevices, mapDevices, planDevices } from '../../../../src/core/devices/create-devices';
import { Loongson3Iocsr } from '../../../../src/core/hypervisor/arch/loongarch64/iocsr';
import { assemble } from '../../../../src/core/isa/loongarch64/assembler';
import { LaCpu, LA_STATE_BYTES } from '../../../../src/core/isa/loongarch64/cpu';
import { SharedLayoutPlanner, allocateShared, regionOf } from '../../../../src/core/machine/shared-layout';
import { ls3a5000 } from '../../../../src/boards/loongarch64/ls3a5000';
import { ManualClock } from './helpers';

const GUEST = `
.equ UART1, 0x10080000
.equ PIC, 0x10000000
_start:
    li.w $t1, 0x424            # MISC_FUNC high word: EXT_IOI_EN (bit 48)
    li.w $t0, 0x10000
    iocsrwr.w $t0, $t1
    li.w $t0, 0x02020202       # IPMAP: every group to IP1
    li.w $t1, 0x14c0
    iocsrwr.w $t0, $t1
    li.w $t1, 0x14c4
    iocsrwr.w $t0, $t1
    li.w $t0, 0x01             # COREMAP of vector 8: core 0
    li.w $t1, 0x1c08
    iocsrwr.b $t0, $t1
    li.w $t0, 0x100            # ENABLE: vector 8
    li.w $t1, 0x1600
    iocsrwr.w $t0, $t1
    li.w $s0, PIC
    li.w $t0, 8
    st.b $t0, $s0, 0x208       # HTMSI_VEC of input 8: vector 8
    li.w $t0, -1
    st.w $t0, $s0, 0x40        # HTMSI_EN: all inputs
    li.w $t0, -257
    st.w $t0, $s0, 0x20        # MASK: all but input 8
    li.w $s1, UART1
    li.w $t0, 0x03
    st.b $t0, $s1, 3           # LCR: 8N1
    li.w $t0, 1
    st.b $t0, $s1, 1           # IER: received data available
    li.w $t0, 0x8
    csrwr $t0, 0x4             # ECFG.LIE = HWI1 only
    la.pcrel $s2, wakes
wait:
    idle 0
    csrrd $t0, 0x5             # ESTAT
    st.w $t0, $s2, 0           # last ESTAT seen at a wake-up
    ld.w $t1, $s2, 4
    addi.w $t1, $t1, 1
    st.w $t1, $s2, 4           # wake-ups
    li.w $t1, 0x1800
    iocsrrd.d $t0, $t1         # COREISR
    iocsrwr.d $t0, $t1         # acknowledge what was pending
echo:
    ld.bu $t0, $s1, 5          # LSR
    andi $t0, $t0, 1
    beqz $t0, wait
    ld.bu $t0, $s1, 0
    st.b $t0, $s1, 0
    b echo
.align 3
wakes:
    .word 0, 0
`;

describe('ls3a5000: a bare-metal guest echoes through PCH-PIC and EIOINTC', () => {
  it('wakes from IDLE on HWI1 for each typed burst and echoes it; nothing wakes it otherwise', () => {
    const planner = new SharedLayoutPlanner();
    planDevices(ls3a5000, planner);
    planner.reserve('ram', 0x1_0000, 65536);
    planner.reserve('cpus', 4 * LA_STATE_BYTES, 64);
    const layout = planner.finish();
    const buffer = allocateShared(layout);
    const cpus = regionOf(layout, buffer, 'cpus');
    const regions = [0, 1, 2, 3].map((i) => ({ buffer, byteOffset: cpus.byteOffset + i * LA_STATE_BYTES, byteLength: LA_STATE_BYTES }));
    const headers = regions.map((r) => new Int32Array(r.buffer, r.byteOffset, 16));
    const signals = {
      setPending(cpu: number, mask: number, level: boolean) {
        if (level) Atomics.or(headers[cpu]!, CpuWord.pending, mask);
        else Atomics.and(headers[cpu]!, CpuWord.pending, ~mask);
      },
    };
    const devices = instantiateDevices(ls3a5000, layout, buffer, { signals, clock: new ManualClock(), onPowerRequest: () => {} });
    const bus = new AddressSpace(0, regionOf(layout, buffer, 'ram'));
    mapDevices(bus, devices);
    const iocsr = new Loongson3Iocsr(ls3a5000.iocsr, regions, () => {}, devices.iocsr);
    const faults: string[] = [];
    const cpu = new LaCpu({ cpuId: 0, bus, clock: { now: () => 0 }, timerFrequency: 100_000_000, prid: ls3a5000.prid, iocsr: iocsr.busFor(0), fault: (r) => faults.push(r.message) }, regions[0]!);
    const program = assemble(GUEST, 0x1000n);
    new Uint8Array(buffer, regionOf(layout, buffer, 'ram').byteOffset + 0x1000, program.bytes.length).set(program.bytes);
    const wakes = Number(program.labels.get('wakes')!);
    const ram = new DataView(buffer as SharedArrayBuffer, regionOf(layout, buffer, 'ram').byteOffset);
    cpu.powerOn(0x1000n, [], 'firmware');

    const uart1 = devices.uarts[1]!;
    const run = () => { for (let i = 0; i < 20; i++) cpu.run(2_000); };
    run();
    expect(faults).toEqual([]);
    expect(ram.getUint32(wakes + 4, true)).toBe(0); // asleep: nothing pending
    for (const text of ['hi', 'there']) {
      uart1.inputRing.pushBytes(new TextEncoder().encode(text));
      uart1.poll();
      run();
      uart1.poll();
    }
    expect(faults).toEqual([]);
    expect(new TextDecoder().decode(uart1.outputRing.drain())).toBe('hithere');
    expect(ram.getUint32(wakes + 4, true)).toBeGreaterThanOrEqual(2);
    expect((ram.getUint32(wakes, true) >> 3) & 1).toBe(1); // ESTAT.IS: HWI1
    expect(Atomics.load(headers[0]!, CpuWord.pending) & (1 << 3)).toBe(0); // acknowledged and drained
  });
});
