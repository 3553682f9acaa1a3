import { createCipheriv, createDecipheriv } from 'node:crypto';

/**
 * OPC UA channel passwords in a gateway configuration file (protocol.md §7.3): AES-CBC with PKCS#5 padding,
 * key = the gateway's DeviceSecret bytes (32 characters: AES-256), IV = its first 16 bytes, Base64 output.
 */
export function encryptOpcUaPassword(password: string, deviceSecret: string): string {
  const cipher = createCipheriv(cipherName(deviceSecret), Buffer.from(deviceSecret, 'utf8'), ivOf(deviceSecret));
  return Buffer.concat([cipher.update(password, 'utf8'), cipher.final()]).toString('base64');
}

export function decryptOpcUaPassword(encrypted: string, deviceSecret: string): string {
  const decipher = createDecipheriv(cipherName(deviceSecret), Buffer.from(deviceSecret, 'utf8'), ivOf(deviceSecret));
  return Buffer.concat([decipher.update(Buffer.from(encrypted, 'base64')), decipher.final()]).toString('utf8');
}

function cipherName(deviceSecret: string): string {
  const bits = Buffer.byteLength(deviceSecret) * 8;
  if (bits !== 128 && bits !== 192 && bits !== 256) throw new Error('the DeviceSecret must be 16, 24 or 32 bytes');
  return `aes-${bits}-cbc`;
}

const ivOf = (deviceSecret: string) => Buffer.from(deviceSecret, 'utf8').subarray(0, 16);
