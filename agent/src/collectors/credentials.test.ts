import { describe, expect, it } from 'vitest';
import { localConfig } from '../config.js';
import { replayRunner } from '../runner.js';
import { join } from 'node:path';
import { parseWindowsCredentials, withCredentials } from './credentials.js';
import { security } from './security.js';

// Windows output is the outside world: shaped as the script's ConvertTo-Json prints it.
const user = (Name: string, Sid: string, Disabled: boolean, PasswordExpires: boolean, PasswordRequired = true) => ({ Name, Sid, Disabled, PasswordExpires, PasswordRequired });

describe('Windows: what can be known without the hashes', () => {
  it('blank passwords allowed, never-expiring enabled accounts, the built-in Administrator enabled', () => {
    const json = {
      LimitBlankPasswordUse: 0,
      Users: [user('Administrator', 'S-1-5-21-1-2-3-500', false, false), user('Guest', 'S-1-5-21-1-2-3-501', true, false, false), user('his', 'S-1-5-21-1-2-3-1001', false, true)],
    };
    expect(parseWindowsCredentials(json)).toEqual({ blankPasswordsAllowed: true, neverExpire: ['Administrator'], adminEnabled: true });
  });
  it('hardened: blank passwords limited, Administrator disabled, passwords expire', () => {
    const json = { LimitBlankPasswordUse: 1, Users: [user('Administrator', 'S-1-5-21-1-2-3-500', true, false), user('ops', 'S-1-5-21-1-2-3-1001', false, true)] };
    expect(parseWindowsCredentials(json)).toEqual({ blankPasswordsAllowed: false, neverExpire: [], adminEnabled: false });
  });
  it('an enabled account that needs no password allows a blank one; a single user arrives as a bare object', () => {
    expect(parseWindowsCredentials({ LimitBlankPasswordUse: 1, Users: user('kiosk', 'S-1-5-21-1-2-3-1002', false, true, false) })).toMatchObject({ blankPasswordsAllowed: true, adminEnabled: null });
  });
  it('nothing readable: null everywhere, never a pass', () => {
    expect(parseWindowsCredentials(null)).toBeNull();
    expect(parseWindowsCredentials({ LimitBlankPasswordUse: null, Users: [] })).toEqual({ blankPasswordsAllowed: null, neverExpire: null, adminEnabled: null });
  });
});

describe('opt-in', () => {
  const capture = join(import.meta.dirname, '../../fixtures/windows2019-zh-wuauserv');
  it('off (the default): the security section has no credentials part', async () => {
    const runner = await replayRunner(capture);
    const ctx = { runner, config: localConfig(), now: () => new Date('2024-05-10T02:00:00Z'), signal: new AbortController().signal };
    const out = await security.collect(ctx);
    expect(out.status === 'ok' && 'credentials' in out.data).toBe(false);
  });
  it('on, in a Windows capture made before the check: says what was not checked, and every value unknown', async () => {
    const runner = await replayRunner(capture);
    const config = localConfig({ settings: { collectIntervalMinutes: 15, heartbeatSeconds: 60, credentials: { enabled: true, words: [], initials: [], cpuBudgetMsPerDay: 60_000 } } });
    const ctx = { runner, config, now: () => new Date('2024-05-10T02:00:00Z'), signal: new AbortController().signal };
    const out = await withCredentials(ctx, { status: 'ok', data: {} as never });
    expect(out.status).toBe('ok');
    const c = out.status === 'ok' ? out.data.credentials! : null;
    expect(c?.windows).toEqual({ blankPasswordsAllowed: null, neverExpire: null, adminEnabled: null });
    expect(c?.notChecked.join(' ')).toMatch(/not tested against the dictionary/);
  });
});
