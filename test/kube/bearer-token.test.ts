import type { AccessToken, TokenCredential } from '@azure/identity';
import { describe, expect, test } from 'vitest';
import { sharedToken, TOKEN_REFRESH_MARGIN_MS } from '../../shared/kube/bearer-token.js';

const T = Date.parse('2026-11-27T10:00:00Z');
const MIN = 60_000;

/** A credential that hands out token-1, token-2, ... expiring `lifetimeMs` after the clock, and counts the requests. */
function countingCredential(clock: { now: number }, lifetimeMs: number, extra: Partial<AccessToken> = {}) {
  const credential = {
    requests: 0,
    fail: false,
    async getToken(): Promise<AccessToken | null> {
      credential.requests++;
      if (credential.fail) throw new Error('identity endpoint unavailable');
      return { token: `token-${credential.requests}`, expiresOnTimestamp: clock.now + lifetimeMs, ...extra };
    },
  };
  return credential satisfies TokenCredential;
}

describe('sharedToken: one token per cluster until shortly before it expires', () => {
  test.each([
    // 60 min token: the margin is 5 min, so it is reused up to 55 min.
    { name: 'reused while more than 5 min are left', lifetimeMs: 60 * MIN, laterMs: 54 * MIN, want: { token: 'token-1', requests: 1 } },
    { name: 'asked again within 5 min of expiry', lifetimeMs: 60 * MIN, laterMs: 55 * MIN, want: { token: 'token-2', requests: 2 } },
    // A token shorter than the margin is never reused (the test identity endpoint's short lifetimes).
    { name: 'a token shorter than the margin is asked for every time', lifetimeMs: TOKEN_REFRESH_MARGIN_MS - 1, laterMs: 0, want: { token: 'token-2', requests: 2 } },
    { name: 'refreshAfterTimestamp comes first when earlier', lifetimeMs: 60 * MIN, refreshAfterMs: 30 * MIN, laterMs: 30 * MIN, want: { token: 'token-2', requests: 2 } },
  ])('$name', async ({ lifetimeMs, refreshAfterMs, laterMs, want }) => {
    const clock = { now: T };
    const credential = countingCredential(clock, lifetimeMs, refreshAfterMs === undefined ? {} : { refreshAfterTimestamp: T + refreshAfterMs });
    const tokenOf = sharedToken(credential, 'scope', () => clock.now);
    await tokenOf();
    clock.now += laterMs;
    const token = await tokenOf();
    expect({ token: token?.token, requests: credential.requests }).toEqual(want);
  });

  test('concurrent calls share one request', async () => {
    const clock = { now: T };
    const credential = countingCredential(clock, 60 * MIN);
    const tokenOf = sharedToken(credential, 'scope', () => clock.now);
    const tokens = await Promise.all(Array.from({ length: 32 }, () => tokenOf()));
    expect(new Set(tokens.map((t) => t?.token))).toEqual(new Set(['token-1']));
    expect(credential.requests).toBe(1);
  });

  test('a failure is not kept: the next call asks again', async () => {
    const clock = { now: T };
    const credential = countingCredential(clock, 60 * MIN);
    const tokenOf = sharedToken(credential, 'scope', () => clock.now);
    credential.fail = true;
    await expect(tokenOf()).rejects.toThrow('identity endpoint unavailable');
    credential.fail = false;
    expect((await tokenOf())?.token).toBe('token-2');
  });
});
