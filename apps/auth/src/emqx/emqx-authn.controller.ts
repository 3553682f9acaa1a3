import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Inject,
  Logger,
  Post,
  Query,
  UnauthorizedException,
} from '@nestjs/common';
import { AuthenticationService } from '../authentication/authentication.service';
import { EMQX_AUTHN_DENY, parseEmqxAuthnRequest, toEmqxAuthnReply, type EmqxAuthnReply } from './emqx-authn';
import { SharedSecret } from '@iot/runtime';
import { EMQX_AUTHN_SECRET } from './emqx-secret';

/**
 * EMQX's HTTP authenticator (emqx-contract.md §1): `POST /emqx/authn` with a JSON (or form) body, or
 * `GET /emqx/authn?clientid=…` — the same decision as the embedded broker's, through
 * AuthenticationService. Always 200 JSON `allow` or `deny`; an error on our side is a `deny`, so an
 * outage never lets a device in. A wrong secret is 401 (EMQX reads any non-200 as `ignore`).
 *
 * EMQX does not send the CONNECT keepalive, so the keepalive range check cannot be applied here.
 */
@Controller('emqx')
export class EmqxAuthnController {
  private readonly logger = new Logger(EmqxAuthnController.name);
  private readonly secret: SharedSecret;

  constructor(
    @Inject(AuthenticationService) private readonly authentication: AuthenticationService,
    @Inject(EMQX_AUTHN_SECRET) secret: string,
  ) {
    this.secret = new SharedSecret(secret, '/emqx/authn');
  }

  @Post('authn')
  @HttpCode(HttpStatus.OK)
  authnPost(@Headers('x-emqx-secret') secret: string | undefined, @Body() body: unknown): Promise<EmqxAuthnReply> {
    return this.authenticate(secret, body);
  }

  @Get('authn')
  authnGet(@Headers('x-emqx-secret') secret: string | undefined, @Query() query: unknown): Promise<EmqxAuthnReply> {
    return this.authenticate(secret, query);
  }

  private async authenticate(secret: string | undefined, input: unknown): Promise<EmqxAuthnReply> {
    if (!this.secret.matches(secret)) throw new UnauthorizedException('missing or wrong x-emqx-secret');
    const parsed = parseEmqxAuthnRequest(input);
    if (!parsed.ok) {
      this.logger.warn(`malformed EMQX authn request, denied: ${parsed.error}`);
      return EMQX_AUTHN_DENY;
    }
    try {
      const reply = await this.authentication.authenticate(parsed.request);
      if (!reply.allowed) this.logger.debug(`CONNECT of ${parsed.request.clientId} denied: ${reply.reason ?? ''}`);
      return toEmqxAuthnReply(reply);
    } catch (error) {
      this.logger.error(
        `authentication of ${parsed.request.clientId} failed, denied: ${error instanceof Error ? error.message : String(error)}`,
      );
      return EMQX_AUTHN_DENY;
    }
  }
}
