import { describe, expect, it } from 'vitest';
import { runSoak } from '../soak/soak.ts';

describe('soak (short): faults on every platform, three SIGKILLs, runs until nothing is left', () => {
  it('ends with every workout on every platform exactly once and the database agreeing', async () => {
    const result = await runSoak({ workouts: 40, seed: 4242 });
    expect(result.problems).toEqual([]);
    expect(result.killedRuns).toBeGreaterThan(0);
  }, 240_000);
});
