import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { GatewaysModule } from '../gateways/gateways.module';
import { EmqxAuthnController } from './emqx-authn.controller';
import { EmqxAuthzController } from './emqx-authz.controller';
import { EMQX_AUTHN_SECRET } from './emqx-secret';

export interface EmqxAuthnModuleOptions {
  /** EMQX_WEBHOOK_SECRET: what EMQX sends in `x-emqx-secret`; empty refuses every call. */
  webhookSecret: string;
  /** The module that provides SubSessionAuthorizer: GatewaysModule (a stand-in in tests). */
  sessions?: Type;
}

/** `POST|GET /emqx/authn`, EMQX's HTTP authenticator, and `POST /emqx/authz`, its HTTP authorization source. */
@Module({})
export class EmqxAuthnModule {
  static forRoot(options: EmqxAuthnModuleOptions): DynamicModule {
    return {
      module: EmqxAuthnModule,
      // AuthenticationService comes from AuthenticationModule, which is global.
      imports: [options.sessions ?? GatewaysModule],
      controllers: [EmqxAuthnController, EmqxAuthzController],
      providers: [{ provide: EMQX_AUTHN_SECRET, useValue: options.webhookSecret }],
    };
  }
}
