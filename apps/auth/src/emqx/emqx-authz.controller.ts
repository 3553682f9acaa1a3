import {
  Body,
  Controller,
  Headers,
  HttpCode,
  HttpStatus,
  Inject,
  Logger,
  Post,
  UnauthorizedException,
} from '@nestjs/common';
import { SubSessionAuthorizer } from '../gateways/sub-session-authorizer';
import { EMQX_AUTHZ_ALLOW, EMQX_AUTHZ_DENY, parseEmqxAuthzRequest, type EmqxAuthzReply } from './emqx-authz';
import { SharedSecret } from '@iot/runtime';
import { EMQX_AUTHN_SECRET } from './emqx-secret';

/**
 * EMQX's HTTP authorization source (emqx-contract.md §2.2): `POST /emqx/authz`. A gateway's connection may
 * use a sub-device's topics while the sub-device has a session on it (`combine/login`); everything else
 * is denied. Always 200 JSON `allow` or `deny`; an error on our side is a `deny`. A wrong secret is 401.
 */
@Controller('emqx')
export class EmqxAuthzController {
  private readonly logger = new Logger(EmqxAuthzController.name);
  private readonly secret: SharedSecret;

  constructor(
    @Inject(SubSessionAuthorizer) private readonly authorizer: SubSessionAuthorizer,
    @Inject(EMQX_AUTHN_SECRET) secret: string,
  ) {
    this.secret = new SharedSecret(secret, '/emqx/authz');
  }

  @Post('authz')
  @HttpCode(HttpStatus.OK)
  async authz(@Headers('x-emqx-secret') secret: string | undefined, @Body() body: unknown): Promise<EmqxAuthzReply> {
    if (!this.secret.matches(secret)) throw new UnauthorizedException('missing or wrong x-emqx-secret');
    const parsed = parseEmqxAuthzRequest(body);
    if (!parsed.ok) {
      this.logger.warn(`malformed EMQX authz request, denied: ${parsed.error}`);
      return EMQX_AUTHZ_DENY;
    }
    try {
      const { allowed } = await this.authorizer.authorize(parsed.request);
      return allowed ? EMQX_AUTHZ_ALLOW : EMQX_AUTHZ_DENY;
    } catch (error) {
      const { clientId, action, topic } = parsed.request;
      this.logger.error(
        `authorization of ${clientId} (${action} ${topic}) failed, denied: ${error instanceof Error ? error.message : String(error)}`,
      );
      return EMQX_AUTHZ_DENY;
    }
  }
}
