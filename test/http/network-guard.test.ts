import { describe, expect, it } from 'vitest';

describe('network guard', () => {
  it('refuses a real host name before any connection', async () => {
    const error = await fetch('https://connectapi.garmin.com/').catch((caught: unknown) => caught);
    expect(String((error as Error).cause ?? error)).toMatch(/tests talk to loopback sandboxes only/);
  });
});
