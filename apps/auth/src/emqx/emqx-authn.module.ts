import { Module, type DynamicModule } from '@nestjs/common';
import { EMQX_AUTHN_SECRET, EmqxAuthnController } from './emqx-authn.controller';

export interface EmqxAuthnModuleOptions {
  /** EMQX_WEBHOOK_SECRET: what EMQX sends in `x-emqx-secret`; empty refuses every call. */
  webhookSecret: string;
}

/** `POST|GET /emqx/authn`, EMQX's HTTP authenticator. */
@Module({})
export class EmqxAuthnModule {
  static forRoot(options: EmqxAuthnModuleOptions): DynamicModule {
    return {
      module: EmqxAuthnModule,
      // Nothing imported: AuthenticationService comes from AuthenticationModule, which is global.
      imports: [],
      controllers: [EmqxAuthnController],
      providers: [{ provide: EMQX_AUTHN_SECRET, useValue: options.webhookSecret }],
    };
  }
}
