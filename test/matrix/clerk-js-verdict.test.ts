import { expect, it } from 'vitest';
import { clerkJsVerdict } from './clerk-js-scenarios.ts';

/** The clerk-js table's verdict, from what the app ended with: signed in, and the token it got. */
const jwt = (claims: Record<string, unknown>) =>
  [{ alg: 'none' }, claims].map((p) => Buffer.from(JSON.stringify(p)).toString('base64url')).join('.') + '.';
const NOW = 10_000;
const base = { signedInAtEnd: true, sessionId: 'sess_1', nowSeconds: NOW };

it('kept: signed in with a fresh token for the same session', () => {
  expect(clerkJsVerdict({ ...base, token: jwt({ sid: 'sess_1', iat: NOW, exp: NOW + 60 }) })).toBe('kept');
});

it('lost: signed out, whatever token was returned', () => {
  expect(clerkJsVerdict({ ...base, signedInAtEnd: false, token: null })).toBe('lost');
  expect(clerkJsVerdict({ ...base, signedInAtEnd: false, token: jwt({ sid: 'sess_1', exp: NOW + 60 }) })).toBe('lost');
});

it('no token: signed in, but no token, an expired one, or one for another session', () => {
  expect(clerkJsVerdict({ ...base, token: null })).toBe('no token');
  expect(clerkJsVerdict({ ...base, token: jwt({ sid: 'sess_1', exp: NOW }) })).toBe('no token');
  expect(clerkJsVerdict({ ...base, token: jwt({ sid: 'sess_2', exp: NOW + 60 }) })).toBe('no token');
});
