import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { AuthRpc } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { AuthenticationService } from './authentication.service';

/** Transport adapter: the embedded broker's CONNECT checks. */
@Injectable()
export class AuthenticationController implements OnModuleInit {
  constructor(
    @Inject(Bus) private readonly bus: Bus,
    @Inject(AuthenticationService) private readonly authentication: AuthenticationService,
  ) {}

  onModuleInit(): void {
    this.bus.serve(AuthRpc.mqttAuthenticate, (r) => this.authentication.authenticate(r));
  }
}
