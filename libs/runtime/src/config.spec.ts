import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { baseEnvSchema, ConfigError, loadConfig, portSchema } from './config';

const schema = baseEnvSchema.extend({ HTTP_PORT: portSchema.default(3000), DATABASE_URL: z.string().url() });

describe('loadConfig', () => {
  it('applies defaults and coerces numbers', () => {
    expect(loadConfig('x', schema, { DATABASE_URL: 'postgresql://h/db', HTTP_PORT: '8080' })).toEqual({
      NATS_URL: 'nats://127.0.0.1:4222',
      BUS_NAMESPACE: '',
      LOG_LEVEL: 'info',
      HTTP_PORT: 8080,
      DATABASE_URL: 'postgresql://h/db',
    });
  });

  it('names every bad variable and the app in one error', () => {
    let error: unknown;
    try {
      loadConfig('api', schema, { HTTP_PORT: '70000', LOG_LEVEL: 'loud', BUS_NAMESPACE: 'a.b' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/^api: invalid configuration/);
    for (const name of ['HTTP_PORT', 'LOG_LEVEL', 'BUS_NAMESPACE', 'DATABASE_URL'])
      expect(message).toContain(`- ${name}:`);
  });
});
