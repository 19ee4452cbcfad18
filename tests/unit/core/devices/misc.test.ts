import { describe, expect, it } from 'vitest';
import { GoldfishRtc, GoldfishRtcOffset } from '../../../../src/core/devices/misc/goldfish-rtc';
import { SifiveTest, type PowerRequestKind } from '../../../../src/core/devices/misc/sifive-test';
import { sharedRegion } from './helpers';

describe('SifiveTest', () => {
  function setup() {
    const requests: [PowerRequestKind, number][] = [];
    const region = sharedRegion(SifiveTest.stateBytes());
    const test = new SifiveTest(region, (kind, code) => requests.push([kind, code]));
    return { test, requests, region };
  }

  it('reports pass, fail with code and reset', () => {
    const { test, requests } = setup();
    test.write(0, 4, 0x5555);
    test.write(0, 4, (42 << 16) | 0x3333);
    test.write(0, 4, 0x7777);
    expect(requests).toEqual([['pass', 0], ['fail', 42], ['reset', 0]]);
  });

  it('ignores other values and records the request in shared state', () => {
    const { test, requests, region } = setup();
    test.write(0, 4, 0x1234);
    expect(requests).toEqual([]);
    expect(test.request()).toBeUndefined();
    test.write(0, 4, (3 << 16) | 0x3333);
    const other = new SifiveTest(region, () => undefined);
    expect(other.request()).toEqual({ kind: 'fail', code: 3 });
    expect(other.read(0, 4)).toBe(0);
    other.reset();
    expect(test.request()).toBeUndefined();
  });
});

describe('GoldfishRtc', () => {
  it('reads host time in ns with a latched high word', () => {
    let now = 0x1234_5678_9abc_def0n;
    const rtc = new GoldfishRtc(sharedRegion(GoldfishRtc.stateBytes()), () => now);
    expect(rtc.read(GoldfishRtcOffset.timeLow, 4)).toBe(0x9abc_def0);
    now += 0x1_0000_0000n;
    expect(rtc.read(GoldfishRtcOffset.timeHigh, 4)).toBe(0x1234_5678);
  });

  it('keeps a guest-set time as an offset shared by all instances', () => {
    let now = 1_000_000_000n;
    const region = sharedRegion(GoldfishRtc.stateBytes());
    const rtc = new GoldfishRtc(region, () => now);
    rtc.write(GoldfishRtcOffset.timeHigh, 4, 2);
    rtc.write(GoldfishRtcOffset.timeLow, 4, 5);
    expect(rtc.now()).toBe(0x2_0000_0005n);
    now += 10n;
    const other = new GoldfishRtc(region, () => now);
    expect(other.now()).toBe(0x2_0000_000fn);
    other.write(GoldfishRtcOffset.alarmLow, 4, 77);
    expect(rtc.read(GoldfishRtcOffset.alarmLow, 4)).toBe(77);
    expect(rtc.read(GoldfishRtcOffset.alarmStatus, 4)).toBe(0);
    rtc.reset();
    expect(other.now()).toBe(now);
  });
});
