import { SignJWT, decodeJwt, exportJWK, generateKeyPair, type JWTPayload } from 'jose';

/**
 * JWT minting for the fake Frontend API, with `jose` (RS256), as Clerk signs its tokens.
 * clerk-js decodes session tokens (it reads sid/iat/exp) but does not verify signatures; the
 * signature is real anyway so a consumer that verifies (a backend test) can, via `jwks`.
 * One key pair per process (RSA key generation is the slow part).
 */
export const SESSION_TOKEN_TTL_SECONDS = 60;
const KID = 'ins_fake_fapi';

let keys: Promise<{ privateKey: CryptoKey; jwks: { keys: unknown[] } }> | undefined;

function signingKeys() {
  keys ??= (async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
    return { privateKey: privateKey as CryptoKey, jwks: { keys: [jwk] } };
  })();
  return keys;
}

export async function jwks(): Promise<{ keys: unknown[] }> {
  return (await signingKeys()).jwks;
}

export interface SessionTokenClaims {
  sid: string;
  sub: string;
  /** Seconds since the epoch (the fake's virtual now). */
  iat: number;
  ttlSeconds?: number;
  iss: string;
  azp?: string;
}

/** A Clerk-shaped session token: sid, sub, iat, nbf (= iat - 10, Clerk's skew allowance), exp = iat + TTL. */
export async function mintSessionToken(c: SessionTokenClaims): Promise<string> {
  const { privateKey } = await signingKeys();
  const ttl = c.ttlSeconds ?? SESSION_TOKEN_TTL_SECONDS;
  return new SignJWT({ sid: c.sid, ...(c.azp ? { azp: c.azp } : {}), v: 2 })
    .setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'JWT' })
    .setSubject(c.sub)
    .setIssuer(c.iss)
    .setIssuedAt(c.iat)
    .setNotBefore(c.iat - 10)
    .setExpirationTime(c.iat + ttl)
    .sign(privateKey);
}

/** A client JWT (what native apps send in the Authorization header): the client id and a rotating token. */
export async function mintClientJwt(clientId: string, rotatingToken: string, iat: number): Promise<string> {
  const { privateKey } = await signingKeys();
  return new SignJWT({ id: clientId, rotating_token: rotatingToken })
    .setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'JWT' })
    .setIssuedAt(iat)
    .sign(privateKey);
}

export const claimsOf = (jwt: string): JWTPayload => decodeJwt(jwt);
