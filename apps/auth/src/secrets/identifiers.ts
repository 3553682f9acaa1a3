import { createHash, randomBytes, randomInt } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomString(length: number, alphabet = ALPHANUMERIC): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** 11 characters like Alibaba's ProductKeys (`a1` + 9 alphanumerics). */
export const newProductKey = (): string => `a1${randomString(9)}`;
/** A DeviceName for callers that do not choose one: 20 alphanumerics (valid under the 4–32 rule). */
export const newDeviceName = (): string => randomString(20);
/** 32 hex characters, as Alibaba issues them. */
export const newSecret = (): string => randomBytes(16).toString('hex');
export const newIotId = (): string => randomString(20);
export const newToken = (): string => randomBytes(16).toString('hex');
export const newApiKey = (): string => `ak_${randomString(40)}`;
export const newId = (): string => randomString(20);

/** Tokens and API keys are stored only as SHA-256 hashes: they are random, so no salt or slow hash is needed. */
export const sha256Hex = (value: string): string => createHash('sha256').update(value).digest('hex');
