import { AuthError } from '../../core/errors.ts';
import type { PlatformState } from '../../store/state-box.ts';
import { garminLoginCommand, ticketSignInUrl, type GarminRegion } from './garmin-hosts.ts';

export interface CircuitBreakerPolicy {
  /** First cooldown after a 429/403/captcha at login (the project starts at 6 h). */
  readonly initialCooldownSec: number;
  /** Upper bound of the doubling. */
  readonly maxCooldownSec: number;
}

export const DEFAULT_CIRCUIT_BREAKER: CircuitBreakerPolicy = {
  initialCooldownSec: 6 * 3600,
  maxCooldownSec: 7 * 24 * 3600,
};

const PAUSED_UNTIL = 'login_paused_until';
const COOLDOWN = 'login_cooldown_sec';
const REASON = 'login_paused_reason';

/**
 * A login circuit breaker persisted in the platform state: after Garmin's SSO answered 429, 403
 * or a captcha, no login is attempted until the cooldown has passed; each new trip doubles it.
 * Hammering the SSO is what gets accounts locked for days.
 */
export class LoginCircuitBreaker {
  private readonly state: PlatformState;
  private readonly region: GarminRegion;
  private readonly policy: CircuitBreakerPolicy;
  private readonly now: () => number;

  constructor(
    state: PlatformState,
    region: GarminRegion,
    policy: Partial<CircuitBreakerPolicy> = {},
    now: () => number = Date.now,
  ) {
    this.state = state;
    this.region = region;
    this.policy = { ...DEFAULT_CIRCUIT_BREAKER, ...policy };
    this.now = now;
  }

  /** The time until which logins are paused, or undefined when a login may be tried. */
  pausedUntil(): Date | undefined {
    const raw = this.state.getPlain(PAUSED_UNTIL);
    if (!raw) return undefined;
    const until = Date.parse(raw);
    if (!Number.isFinite(until) || until <= this.now()) return undefined;
    return new Date(until);
  }

  /** Throws "login paused until …" while open. */
  check(): void {
    const until = this.pausedUntil();
    if (!until) return;
    const reason = this.state.getPlain(REASON) ?? 'rate limiting';
    throw new AuthError(
      `Garmin ${this.region.toUpperCase()} login paused until ${until.toISOString()} after Garmin answered ` +
        `${reason} to a login; no login attempted`,
      {
        hint:
          `wait, or sign in at ${ticketSignInUrl(this.region).url} and run ` +
          `\`${garminLoginCommand(this.region)} --ticket '<address with ?ticket=ST-…>'\``,
      },
    );
  }

  /** Opens (or re-opens with a doubled cooldown) the breaker. Returns the end of the pause. */
  trip(reason: string): Date {
    const previous = Number(this.state.getPlain(COOLDOWN));
    const cooldown =
      Number.isFinite(previous) && previous > 0
        ? Math.min(previous * 2, this.policy.maxCooldownSec)
        : this.policy.initialCooldownSec;
    const until = new Date(this.now() + cooldown * 1000);
    this.state.setPlain(COOLDOWN, String(cooldown));
    this.state.setPlain(PAUSED_UNTIL, until.toISOString());
    this.state.setPlain(REASON, reason);
    return until;
  }

  /** A login went through: the next trip starts again at the initial cooldown. */
  reset(): void {
    this.state.setPlain(COOLDOWN, undefined);
    this.state.setPlain(PAUSED_UNTIL, undefined);
    this.state.setPlain(REASON, undefined);
  }
}
