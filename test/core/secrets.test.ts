import { describe, expect, it } from 'vitest';
import * as secretsModule from '../../src/core/secrets.ts';
import {
  SecretRegistry,
  onSecretRegistered,
  redact,
  redactUrl,
  redactValue,
  registerSecret,
} from '../../src/core/secrets.ts';

describe('the process-wide secrets registry', () => {
  it('registerSecret, redact, redactValue and redactUrl share one registry', () => {
    const value = 'process-wide-secret-value';
    expect(redact(`x ${value}`), 'not registered yet').toBe(`x ${value}`);
    registerSecret(value);
    expect([redact(`x ${value}`), redactValue({ m: [value] }), redactUrl(`https://h.example/${value}`)]).toEqual([
      'x ***',
      { m: ['***'] },
      'https://h.example/***',
    ]);
  });

  it('a listener hears every value, registered before it or after (the Action masks them all)', () => {
    registerSecret('registered-before-the-listener');
    const heard: string[] = [];
    onSecretRegistered((value) => heard.push(value));
    registerSecret('registered-after-the-listener');
    expect(heard).toContain('registered-before-the-listener');
    expect(heard).toContain('registered-after-the-listener');
  });

  it('offers no way to forget a secret: nothing shown later can leak one', () => {
    const forget = /clear|forget|reset|remove|delete|unregister/i;
    expect(Object.keys(secretsModule).filter((name) => forget.test(name))).toEqual([]);
    expect(Object.getOwnPropertyNames(SecretRegistry.prototype).filter((name) => forget.test(name))).toEqual([]);
  });

  it('a registry of its own knows only its own secrets', () => {
    const own = new SecretRegistry();
    own.register('only-in-the-own-registry');
    expect(own.redact('a only-in-the-own-registry b')).toBe('a *** b');
    expect(redact('a only-in-the-own-registry b')).toBe('a only-in-the-own-registry b');
  });
});
