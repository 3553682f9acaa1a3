import { Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { AuthRpc, DomainError, ErrorCode } from '@iot/contracts';
import { Bus } from '@iot/messaging';

/** Configuration files by signed, expiring link (protocol.md §7.1, §7.3); apps/auth checks the signature. */
@Controller('config')
export class ConfigDownloadController {
  constructor(@Inject(Bus) private readonly bus: Bus) {}

  @Get(':productKey/:configId')
  async download(
    @Param('productKey') productKey: string,
    @Param('configId') configId: string,
    @Query('expires') expires: string | undefined,
    @Query('signature') signature: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    try {
      const { content } = await this.bus.request(AuthRpc.downloadConfig, {
        productKey,
        configId,
        expires: expires ?? '',
        signature: signature ?? '',
      });
      res.status(200).type('application/octet-stream').send(Buffer.from(content, 'base64'));
    } catch (error) {
      const status =
        error instanceof DomainError
          ? error.code === ErrorCode.LINK_INVALID
            ? 403
            : error.code === ErrorCode.CONFIG_NOT_FOUND
              ? 404
              : 503
          : 500;
      res.status(status).json({
        code: error instanceof DomainError ? error.code : ErrorCode.INTERNAL,
        message: error instanceof Error ? error.message : 'error',
      });
    }
  }
}
