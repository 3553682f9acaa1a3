import { Controller, Inject, Logger, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { DomainError, ErrorCode, type FirmwareUploadQuery, type FirmwareView, type RpcReply } from '@iot/contracts';
import { OTA_CONFIG, type OtaConfig } from '../config/ota.env';
import { FirmwareService } from './firmware.service';

/** The header apps/api sends with the token both derive from the platform secret. */
export const INTERNAL_TOKEN_HEADER = 'x-ota-internal-token';

/**
 * Transport adapter: firmware bytes from apps/api, streamed (NATS cannot carry them). Internal: it trusts only
 * apps/api's token and answers in the bus's reply shape, leaving HTTP statuses to apps/api.
 */
@Controller('internal/firmware')
export class UploadController {
  private readonly logger = new Logger(UploadController.name);

  constructor(
    @Inject(FirmwareService) private readonly firmware: FirmwareService,
    @Inject(OTA_CONFIG) private readonly config: OtaConfig,
  ) {}

  @Post()
  async upload(@Req() req: Request, @Res() res: Response): Promise<void> {
    let reply: RpcReply<FirmwareView>;
    try {
      if (!this.authorized(req.headers[INTERNAL_TOKEN_HEADER]))
        throw new DomainError(ErrorCode.UNAUTHORIZED, 'Missing or wrong internal token');
      reply = { ok: true, data: await this.firmware.upload(req.query as unknown as FirmwareUploadQuery, req) };
    } catch (error) {
      if (error instanceof DomainError) {
        reply = { ok: false, error: { code: error.code, message: error.message } };
      } else if (req.readableAborted || req.destroyed) {
        // The uploader (or apps/api on its behalf) went away: nothing was kept.
        this.logger.warn('an upload was aborted by its sender');
        reply = { ok: false, error: { code: ErrorCode.VALIDATION_FAILED, message: 'Upload aborted' } };
      } else {
        this.logger.error(`upload failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        reply = { ok: false, error: { code: ErrorCode.INTERNAL, message: 'Internal error' } };
      }
      // Whatever the sender has not sent yet is read and dropped, so it gets this answer on a sane connection.
      if (!req.readableEnded) req.resume();
    }
    res.status(reply.ok ? 201 : 400).json(reply);
  }

  private authorized(header: unknown): boolean {
    if (typeof header !== 'string') return false;
    const a = Buffer.from(header);
    const b = Buffer.from(this.config.internalToken);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
