import { Global, Module } from '@nestjs/common';
import { PrismaModule } from '@iot/runtime';
import { AUTH_CONFIG, type AuthConfig } from '../config/auth.env';
import { PrismaClient } from '../generated/prisma/client';
import { SecretBox } from '../secrets/secret-box';

/** The only handle on the `auth` schema; repositories are its only users. */
export const AUTH_DB = Symbol('AUTH_DB');
export type AuthDb = PrismaClient;

/** The `auth` schema and the box that seals the secrets stored in it. */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(config: AuthConfig) {
    return {
      module: DatabaseModule,
      imports: [
        PrismaModule.forApp({ token: AUTH_DB, client: PrismaClient, databaseUrl: config.DATABASE_URL, schema: 'auth' }),
      ],
      providers: [
        { provide: SecretBox, inject: [AUTH_CONFIG], useFactory: (c: AuthConfig) => new SecretBox(c.IOT_SECRET_KEY) },
      ],
      exports: [SecretBox],
    };
  }
}
