import { Module, type DynamicModule } from '@nestjs/common';
import { platformModules } from '@iot/runtime';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { AuthenticationModule } from './authentication/authentication.module';
import { AUTH_CONFIG, type AuthConfig } from './config/auth.env';
import { DatabaseModule } from './database/database.module';
import { DeviceHttpModule } from './device-http/device-http.module';
import { DevicesModule } from './devices/devices.module';
import { EmqxAuthnModule } from './emqx/emqx-authn.module';
import { GatewaysModule } from './gateways/gateways.module';
import { ProductsModule } from './products/products.module';
import { StatusModule } from './status/status.module';

/** apps/auth: products, devices, credentials, tokens, connection status, API keys. */
@Module({})
export class AuthModule {
  static forRoot(config: AuthConfig): DynamicModule {
    return {
      module: AuthModule,
      imports: [
        ...platformModules('auth', config),
        {
          module: AuthConfigModule,
          global: true,
          providers: [{ provide: AUTH_CONFIG, useValue: config }],
          exports: [AUTH_CONFIG],
        },
        DatabaseModule.forRoot(config),
        ProductsModule,
        DevicesModule,
        AuthenticationModule,
        DeviceHttpModule,
        StatusModule,
        GatewaysModule,
        ApiKeysModule,
        EmqxAuthnModule.forRoot({ webhookSecret: config.EMQX_WEBHOOK_SECRET }),
      ],
    };
  }
}

@Module({})
class AuthConfigModule {}
