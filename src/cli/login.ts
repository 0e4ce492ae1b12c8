import type { Lookup } from '../config/config.ts';
import { parseConfig } from '../config/config.ts';
import { ConfigError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { registerSecret } from '../core/secrets.ts';
import { runGarminLogin, type GarminRegion } from '../platforms/garmin/index.ts';
import { loginPlatformState } from '../store/state-key.ts';
import { Store } from '../store/store.ts';
import type { ParsedArgs } from './args.ts';
import type { CliIo } from './main.ts';

/**
 * `login`: obtains Garmin DI tokens once (password + MFA prompts, or a service ticket pasted from a
 * browser), prints the token blob for the repository secret and keeps it, encrypted, in the local
 * database for local runs.
 */
export async function runLoginCommand(args: ParsedArgs, io: CliIo, lookup: Lookup, log: Logger): Promise<number> {
  const regionFlag = args.flags.get('region') ?? 'com';
  if (regionFlag !== 'com' && regionFlag !== 'cn') throw new ConfigError(`--region ${String(regionFlag)} is not a Garmin region; use --region com (garmin.com) or --region cn (garmin.cn)`);
  const region: GarminRegion = regionFlag;
  const suffix = region.toUpperCase();
  const config = parseConfig(lookup);
  const flag = (name: string) => (typeof args.flags.get(name) === 'string' ? (args.flags.get(name) as string) : undefined);
  const ticket = flag('ticket');
  registerSecret(ticket);
  let email = flag('email') ?? lookup(`GARMIN_EMAIL_${suffix}`);
  let password = flag('password') ?? lookup(`GARMIN_PASSWORD_${suffix}`);
  if (flag('password')) io.err('warning: a password given as a flag stays in your shell history; prefer the prompt');
  if (!ticket) {
    if (!email) {
      if (!io.isTty) throw new ConfigError(`no Garmin ${suffix} email: pass --email, set GARMIN_EMAIL_${suffix}, or run login in a terminal`);
      email = await io.prompt(`Garmin ${suffix} email: `, { secret: false });
    }
    if (!password) {
      if (!io.isTty) throw new ConfigError(`no Garmin ${suffix} password: set GARMIN_PASSWORD_${suffix} or run login in a terminal to be prompted`);
      password = await io.prompt(`Garmin ${suffix} password: `, { secret: true });
    }
    registerSecret(email);
    registerSecret(password);
  }
  const store = Store.open(config.dbPath);
  try {
    const id = region === 'com' ? 'garmin_com' : 'garmin_cn';
    const account = region === 'com' ? config.garminCom : config.garminCn;
    const { state, savedLine } = loginPlatformState(store, config, id);
    const result = await runGarminLogin({
      region,
      endpoints: config.endpoints,
      email,
      password,
      ticket,
      serviceUrl: flag('service'),
      promptMfaCode: async () => {
        if (!io.isTty) throw new ConfigError('this account uses two-factor authentication: run `sports-sync-x login` in a terminal to enter the code');
        const code = await io.prompt('Code from your authenticator or e-mail: ', { secret: false });
        registerSecret(code);
        return code;
      },
      log,
      proxyUrl: account.proxyUrl,
      env: { HTTPS_PROXY: config.httpsProxy, NO_PROXY: config.noProxy },
      timeoutMs: config.timeoutMs,
      state,
    });
    io.out(`Signed in to Garmin ${suffix}. Store this token as the repository secret ${result.secretName}`);
    io.out(`(Settings → Secrets and variables → Actions → New repository secret). It works without a password until ${result.expiresAt.toISOString().slice(0, 10)}:`);
    io.out('');
    // The one place a credential is printed on purpose: the user copies it into the secret.
    io.out(result.tokenBlob);
    io.out('');
    io.out(savedLine);
    return 0;
  } finally {
    store.close();
  }
}
