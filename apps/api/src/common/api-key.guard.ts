import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { AuthRpc, DomainError, ErrorCode } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { API_CONFIG, type ApiConfig } from '../config/api.env';
import { PUBLIC_ROUTE } from './public.decorator';

/** `Authorization: Bearer <api key>` on every route but health and docs; keys are checked by apps/auth. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly cache = new Map<string, number>();

  constructor(
    @Inject(Bus) private readonly bus: Bus,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()]))
      return true;
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new DomainError(ErrorCode.UNAUTHORIZED, 'Missing "Authorization: Bearer <api key>"');
    const key = match[1];
    if (this.isBootstrapKey(key) || (await this.isValid(key))) return true;
    throw new DomainError(ErrorCode.UNAUTHORIZED, 'Invalid API key');
  }

  private isBootstrapKey(key: string): boolean {
    const expected = this.config.IOT_API_KEY;
    if (!expected) return false;
    const a = Buffer.from(key);
    const b = Buffer.from(expected);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private async isValid(key: string): Promise<boolean> {
    const until = this.cache.get(key);
    if (until !== undefined && until > Date.now()) return true;
    const { valid } = await this.bus.request(AuthRpc.verifyApiKey, { key });
    if (valid && this.config.API_KEY_CACHE_MS > 0) {
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(key, Date.now() + this.config.API_KEY_CACHE_MS);
    }
    return valid;
  }
}
