/**
 * Deterministic mode's hand-over and clock rules (core/vcpu/deterministic-turns.ts), single-threaded:
 * whose turn comes next, how far a round moves the clock (a quantum, a jump to the earliest deadline,
 * or nothing), when the management thread's turn is due, and the clock a CPU sees inside its turn.
 */
import { describe, expect, it } from 'vitest';
import { DeterministicState, DeterministicTurns, DetWord } from '../../../../src/core/vcpu/deterministic-turns';

const params = { quantum: 1000, rate: 1_000_000, mainEvery: 4 };
/** 1 MHz timebase at 1 M instructions per second: one tick per instruction, 1000 ticks a round. */
const fresh = (cpus = 3): DeterministicState => DeterministicState.create(cpus, params, 1_000_000);

describe('deterministic turns', () => {
  it('hands the baton CPU by CPU, then to the management thread every mainEvery rounds that moved time', () => {
    const state = fresh();
    expect(state.turn()).toBe(state.main);
    state.startRound();
    const order: number[] = [];
    for (let i = 0; i < 3 * 4; i++) {
      const cpu = state.turn();
      order.push(cpu);
      state.endTurn(cpu, 1000, false, Infinity);
    }
    expect(order).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]);
    expect(state.turn()).toBe(state.main);
    expect(state.round).toBe(4);
    expect(state.roundTicks).toBe(4000);
    expect(state.retired).toBe(12_000);
  });

  it('a round of sleeping CPUs jumps to the earliest deadline; a round where nothing ran moves no time', () => {
    const state = fresh(2);
    state.startRound();
    state.endTurn(0, 0, true, 10_500);
    state.endTurn(1, 0, true, 7_200);
    // ceil(7200 / 1000) = 8 rounds skipped, on the round grid.
    expect(state.roundTicks).toBe(8000);
    expect(state.round).toBe(8);
    expect(state.turn()).toBe(state.main);
    state.startRound();
    state.endTurn(0, 0, false, Infinity);
    state.endTurn(1, 0, false, Infinity);
    expect(state.roundTicks).toBe(8000);
    expect(Atomics.load(state.words, DetWord.idle)).toBe(1);
    expect(state.turn()).toBe(state.main);
  });

  it('skips CPUs that left and keeps the round going without them', () => {
    const state = fresh(3);
    state.startRound();
    const one = new DeterministicTurns(state, 1);
    Atomics.store(state.words, DetWord.aliveBase + 1, 0);
    state.endTurn(0, 500, false, Infinity);
    expect(state.turn()).toBe(2);
    one.leave();
    expect(state.turn()).toBe(2);
  });

  it('inside a turn the clock moves with the CPU\'s own instructions, at most a quantum', () => {
    const state = fresh(1);
    state.startRound();
    const turns = new DeterministicTurns(state, 0);
    let retired = 5_000;
    turns.attach(() => retired);
    expect(turns.waitTurn(() => false)).toBe(true);
    expect(turns.hostTicks()).toBe(0);
    retired += 300;
    expect(turns.hostTicks()).toBe(300);
    retired += 5_000;
    expect(turns.hostTicks()).toBe(1000);
    // A deadline 250 guest ticks ahead is handed over in the scheduler's ticks.
    turns.endTurn(true, 10_250, 10_000);
    expect(state.roundTicks).toBe(1000);
  });
});
