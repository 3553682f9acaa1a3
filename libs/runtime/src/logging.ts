import { LoggerModule } from 'nestjs-pino';
import type { DynamicModule } from '@nestjs/common';

/** Log paths that may carry credentials; pino replaces them with "[redacted]". */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'deviceSecret',
  '*.deviceSecret',
  'productSecret',
  '*.productSecret',
  'iotToken',
  '*.iotToken',
  'req.headers.authorization',
  'req.headers.password',
  'params.sign',
];

export function loggerModule(app: string, level: string): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: {
      level,
      name: app,
      autoLogging: false,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      quietReqLogger: true,
    },
  });
}
