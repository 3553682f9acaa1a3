import { Global, Module } from '@nestjs/common';
import { DevicesModule } from '../devices/devices.module';
import { AuthenticationController } from './authentication.controller';
import { AuthenticationService } from './authentication.service';
import { TokenRepository } from './token.repository';

/** Global so the EMQX authn endpoint reaches the same code path as the embedded broker. */
@Global()
@Module({
  imports: [DevicesModule],
  providers: [AuthenticationService, AuthenticationController, TokenRepository],
  exports: [AuthenticationService, TokenRepository],
})
export class AuthenticationModule {}
