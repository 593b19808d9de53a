import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.ts';
import { serverUrl } from '../main.ts';
import { checkPasswordStrength } from '../modules/auth/auth.service.ts';

const refused = (env: NodeJS.ProcessEnv) => {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
};

describe('loadConfig: every setting validated at start-up', () => {
  it('takes ports as plain decimal numbers, not 0 and not hex or exponents', () => {
    for (const PORT of ['0x10', '1e3', '0', ' 80', '3000.0', '70000']) expect(refused({ PORT })).toMatch(/^PORT must be a whole number from 1 to 65535.*（/);
    expect(loadConfig({ PORT: '3904' }).port).toBe(3904);
  });

  it('refuses a HOST that is neither an address nor a host name, and takes IPv6', () => {
    expect(refused({ HOST: '999.1.1.1' })).toMatch(/^HOST must be/);
    expect(refused({ HOST: 'bad host' })).toMatch(/^HOST must be/);
    for (const HOST of ['::1', '0.0.0.0', 'localhost', 'crm.bank.example']) expect(loadConfig({ HOST }).host).toBe(HOST);
  });

  it('never puts the embedded PostgreSQL on 5432, the port of a system PostgreSQL', () => {
    expect(refused({ BANYAN_DB_PORT: '5432' })).toMatch(/BANYAN_DB_PORT must not be 5432/);
  });

  it('holds BANYAN_ADMIN_PASSWORD to the same rule as every user password', () => {
    for (const pw of ['12345678', 'abcdefgh', 'abc123', 'Banyan@2026', 'abcd1234']) {
      let userRule = true;
      try {
        checkPasswordStrength('password', pw);
      } catch {
        userRule = false;
      }
      if (userRule) expect(loadConfig({ BANYAN_ADMIN_PASSWORD: pw }).adminPassword).toBe(pw);
      else expect(refused({ BANYAN_ADMIN_PASSWORD: pw })).toMatch(/at least 8 characters with letters and digits/);
    }
  });

  it('trusts no proxy by default, and takes BANYAN_TRUST_PROXY as addresses, CIDRs or loopback', () => {
    expect(loadConfig({}).trustProxy).toEqual([]);
    expect(loadConfig({ BANYAN_TRUST_PROXY: '10.0.0.5, 10.1.0.0/16,::1/128' }).trustProxy).toEqual(['10.0.0.5', '10.1.0.0/16', '::1/128']);
    expect(loadConfig({ BANYAN_TRUST_PROXY: 'Loopback' }).trustProxy).toEqual(['loopback']);
    for (const v of ['true', '*', '1', 'proxy.bank', '10.0.0.1/33', '10.0.0.1/16/2', '10.0.0.5,,10.0.0.6', '999.1.1.1']) {
      expect(refused({ BANYAN_TRUST_PROXY: v })).toMatch(/^BANYAN_TRUST_PROXY must be a comma-separated list of proxy addresses or CIDRs, or loopback.*（BANYAN_TRUST_PROXY/);
    }
  });

  it('refuses a DATABASE_URL that is not a URL', () => {
    expect(refused({ DATABASE_URL: 'postgres://a:b c@x:99999/y' })).toMatch(/^DATABASE_URL is not a valid URL/);
  });
});

describe('serverUrl: the address printed at start', () => {
  it('puts an IPv6 address in brackets and shows the loopback for all addresses', () => {
    expect(serverUrl('::1', 3904)).toBe('http://[::1]:3904/');
    expect(serverUrl('::', 3904)).toBe('http://[::1]:3904/');
    expect(serverUrl('0.0.0.0', 3000)).toBe('http://127.0.0.1:3000/');
  });
});
