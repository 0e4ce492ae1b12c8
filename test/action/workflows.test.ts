import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ACTION_INPUTS,
  ACTION_INPUT_VARIABLES,
  SETTING_INPUTS,
  actionLookup,
  inputVariable,
  parseActionOptions,
  registerSecretInputs,
  type Env,
} from '../../src/action/inputs.ts';
import { redact } from '../../src/core/secrets.ts';
import { evaluateIf } from '../support/gh-expression.ts';

const root = resolve(import.meta.dirname, '../..');
const readYaml = (path: string) => parse(readFileSync(join(root, path), 'utf8')) as Record<string, any>;
const action = readYaml('action.yml');
const sync = readYaml('.github/workflows/sync.yml');
const ci = readYaml('.github/workflows/ci.yml');
const inputs = action.inputs as Record<string, { default?: string }>;

/** The step of sync.yml that runs this action, and what it passes. */
const actionStep = (sync.jobs.sync.steps as Array<{ uses?: string; with?: Record<string, string> }>).find(
  (step) => step.uses === './',
)!;
const passed = actionStep.with ?? {};
const passesJson = passed['vars-json'] === '${{ toJSON(vars) }}' && passed['secrets-json'] === '${{ toJSON(secrets) }}';

/** The documented variable name an input is read from when only the JSON is passed. */
function variableOf(input: string): string | undefined {
  return (
    SETTING_INPUTS.find((entry) => entry.input === input)?.env ??
    ACTION_INPUT_VARIABLES[input as keyof typeof ACTION_INPUT_VARIABLES]
  );
}

/** A valid value for each input, to see it arrive. */
const SAMPLE: Record<string, string> = {
  state: 'cache',
  'cache-key-prefix': 'my-prefix-v2-',
  'fit-artifact': 'false',
  'fit-artifact-name': 'my-fit-files',
  'fit-artifact-retention-days': '9',
  'commit-message': 'Sync state from vars',
  'push-attempts': '5',
  'push-backoff-seconds': '7',
  'allow-state-none': 'true',
  keepalive: 'false',
};
const OPTION_FIELD: Record<string, [string, unknown]> = {
  state: ['state', 'cache'],
  'cache-key-prefix': ['cacheKeyPrefix', 'my-prefix-v2-'],
  'fit-artifact': ['fitArtifact', false],
  'fit-artifact-name': ['fitArtifactName', 'my-fit-files'],
  'fit-artifact-retention-days': ['fitArtifactRetentionDays', 9],
  'commit-message': ['commitMessage', 'Sync state from vars'],
  'push-attempts': ['pushAttempts', 5],
  'push-backoff-seconds': ['pushBackoffSeconds', 7],
  'allow-state-none': ['allowStateNone', true],
  keepalive: ['keepalive', false],
};

/** True when the value given as a repository variable or secret of that name reaches the Action. */
function arrives(input: string, store: 'vars' | 'secrets'): boolean {
  const name = variableOf(input);
  if (name === undefined) return false;
  const value = SAMPLE[input] ?? `value-for-${input}`;
  const env: Env = { [inputVariable(`${store}-json`)]: JSON.stringify({ [name]: value }) };
  if (SETTING_INPUTS.some((entry) => entry.input === input)) return actionLookup(env)(name) === value;
  const [field, expected] = OPTION_FIELD[input]!;
  return (parseActionOptions(env) as unknown as Record<string, unknown>)[field] === expected;
}

describe('the shipped workflow wires every setting', () => {
  it('sync.yml passes the variables and secrets as JSON, and only inputs action.yml declares', () => {
    expect(passesJson).toBe(true);
    expect(Object.keys(passed).filter((key) => !(key in inputs))).toEqual([]);
  });

  it('every action.yml input is reachable from sync.yml: passed, read by its name from a variable or a secret, or defaulted', () => {
    const unreachable = Object.keys(inputs).filter((input) => {
      if (input in passed) return false;
      if (inputs[input]!.default !== undefined) return false;
      if (input === 'vars-json' || input === 'secrets-json') return !passesJson;
      return !(passesJson && arrives(input, 'vars') && arrives(input, 'secrets'));
    });
    expect(unreachable).toEqual([]);
  });

  it('the reachability check fails for an input without a documented name', () => {
    expect(arrives('brand-new-input', 'vars')).toBe(false);
  });

  it('a setting stored as a secret or as a variable both work; an input wins over both', () => {
    for (const store of ['vars', 'secrets'] as const) {
      const lookup = actionLookup({
        [inputVariable(`${store}-json`)]: JSON.stringify({
          TELEGRAM_CHAT_ID: '-100123',
          telegram_bot_token: '123456:abcdefghijklmnopqrstuvwxyz',
        }),
      });
      expect(lookup('TELEGRAM_CHAT_ID')).toBe('-100123');
      // GitHub names are case-insensitive.
      expect(lookup('TELEGRAM_BOT_TOKEN')).toBe('123456:abcdefghijklmnopqrstuvwxyz');
    }
    const both = actionLookup({
      'INPUT_VARS-JSON': '{"NTFY_URL":"https://vars.example"}',
      'INPUT_SECRETS-JSON': '{"NTFY_URL":"https://secret.example"}',
      'INPUT_NTFY-URL': 'https://input.example',
    });
    expect(both('NTFY_URL')).toBe('https://input.example');
  });

  it('masks every value of the secrets JSON (and credentials stored as variables) before anything is printed', () => {
    const text = 'a opaque-secret-value b second-line-y c wecom-key-in-a-var d GARMINCOM';
    expect(redact(text), 'nothing registered them before').toBe(text);
    registerSecretInputs({
      'INPUT_SECRETS-JSON': JSON.stringify({
        SOME_SECRET: 'opaque-secret-value',
        MULTI: 'first-line-x\nsecond-line-y',
      }),
      'INPUT_VARS-JSON': JSON.stringify({ QYWX_BOT_KEY: 'wecom-key-in-a-var', SYNC_PLATFORM: 'GARMINCOM' }),
    });
    expect(redact(text)).toBe('a *** b *** c *** d GARMINCOM');
  });

  it('unreadable JSON is one error that never shows the text, and the text is masked', () => {
    const env = { 'INPUT_SECRETS-JSON': '{"A": "leaky-secret-text"' };
    expect(redact('leaky-secret-text'), 'nothing registered it before').toBe('leaky-secret-text');
    registerSecretInputs(env);
    expect(redact('leaky-secret-text')).not.toContain('leaky-secret-text');
    expect(() => parseActionOptions(env)).toThrow(
      /^input secrets-json is not JSON; pass it exactly as \$\{\{ toJSON\(secrets\) \}\}$/,
    );
  });

  it('every Action input with a variable name is declared (no stale mapping)', () => {
    for (const input of ACTION_INPUTS) expect(inputs, input).toHaveProperty(input);
  });
});

describe('workflow guards', () => {
  const contexts = (vars: Record<string, string>, extra: Record<string, unknown> = {}) => ({
    vars,
    github: {
      event_name: 'schedule',
      repository: 'someone/copy',
      event: { repository: { is_template: false } },
      ...extra,
    },
  });
  const syncIf = sync.jobs.sync.if as string;
  const noticeIf = sync.jobs['not-configured'].if as string;

  it.each([
    ['an unconfigured copy skips the sync', {}, false],
    ['SYNC_PLATFORM set', { SYNC_PLATFORM: 'GARMINCOM,COROS' }, true],
    ['SYNC_ROUTES alone', { SYNC_ROUTES: 'GARMINCN>GARMINCOM' }, true],
    ['an empty variable is unconfigured', { SYNC_PLATFORM: '' }, false],
  ])('sync job: %s', (_name, vars, runs) => {
    expect(evaluateIf(syncIf, contexts(vars))).toBe(runs);
  });

  it('an unconfigured copy gets a notice on a manual run; scheduled runs skip without a runner', () => {
    expect(evaluateIf(noticeIf, contexts({}, { event_name: 'workflow_dispatch' }))).toBe(true);
    expect(evaluateIf(noticeIf, contexts({}, { event_name: 'schedule' }))).toBe(false);
    expect(
      evaluateIf(noticeIf, contexts({ SYNC_PLATFORM: 'COROS,GARMINCN' }, { event_name: 'workflow_dispatch' })),
    ).toBe(false);
    const step = (sync.jobs['not-configured'].steps as Array<{ run?: string }>)[0]!;
    expect(step.run).toMatch(/::notice title=[^:]+::.*SYNC_PLATFORM/);
  });

  it("ci.yml runs in this repository (the template) or where SSX_RUN_CI=true, not in a user's copy", () => {
    for (const [name, job] of Object.entries(ci.jobs as Record<string, { if?: string }>)) {
      expect(job.if, name).toBeDefined();
      expect(evaluateIf(job.if!, contexts({}, { event: { repository: { is_template: true } } })), name).toBe(true);
      expect(evaluateIf(job.if!, contexts({}, { event: { repository: { is_template: false } } })), name).toBe(false);
      expect(evaluateIf(job.if!, contexts({ SSX_RUN_CI: 'true' })), name).toBe(true);
    }
  });

  it('the expression evaluator can fail: GitHub semantics for null, case and ||', () => {
    expect(evaluateIf("vars.X == ''", { vars: {} })).toBe(true);
    expect(evaluateIf("vars.X != ''", { vars: { X: 'a' } })).toBe(true);
    expect(evaluateIf("vars.X == 'TRUE'", { vars: { X: 'true' } })).toBe(true);
    expect(evaluateIf('!(vars.X || vars.Y)', { vars: { Y: 'b' } })).toBe(false);
    expect(() => evaluateIf('vars.X === 1', { vars: {} })).toThrow();
  });
});

describe('shipped workflows pin every action they use', () => {
  const workflows = ['.github/workflows/ci.yml', '.github/workflows/release.yml', '.github/workflows/sync.yml'];
  /** Every `uses:` of every step of every job, from the parsed YAML. */
  const usesOf = (path: string): string[] =>
    Object.values(readYaml(path).jobs as Record<string, { steps?: Array<{ uses?: string }> }>).flatMap((job) =>
      (job.steps ?? []).flatMap((step) => (step.uses ? [step.uses] : [])),
    );

  it.each(workflows)('%s: a remote action is named by a full commit SHA (a tag can be moved)', (path) => {
    const remote = usesOf(path).filter((uses) => !uses.startsWith('./'));
    expect(remote.length).toBeGreaterThan(0);
    for (const uses of remote) expect(uses, uses).toMatch(/^[\w.-]+\/[\w.-]+(?:\/[\w./-]+)?@[0-9a-f]{40}$/);
  });

  it('the check can fail: a tag is not a pin', () => {
    expect('actions/checkout@v5').not.toMatch(/^[\w.-]+\/[\w.-]+(?:\/[\w./-]+)?@[0-9a-f]{40}$/);
  });
});
