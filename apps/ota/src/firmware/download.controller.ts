import { Controller, Get, Inject, Logger, Param, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { OTA_CONFIG, type OtaConfig } from '../config/ota.env';
import { parseRange } from './byte-range';
import { verifyDownload } from './download-url';
import { FirmwareStore } from './firmware-store';

/**
 * Transport adapter: firmware downloads for devices, behind signed, expiring URLs (download-url.ts), with
 * single byte ranges so a device with little memory or a bad link can fetch in pieces and resume.
 */
@Controller('firmware')
export class DownloadController {
  private readonly logger = new Logger(DownloadController.name);

  constructor(
    @Inject(FirmwareStore) private readonly store: FirmwareStore,
    @Inject(OTA_CONFIG) private readonly config: OtaConfig,
  ) {}

  /** Express answers HEAD through this route too. */
  @Get(':sha256')
  async download(
    @Param('sha256') sha256: string,
    @Query('expires') expires: unknown,
    @Query('signature') signature: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const check = verifyDownload(this.config.urlSecret, sha256, expires, signature, new Date());
    if (!check.ok) {
      res.status(403).json({ code: 'FORBIDDEN', message: check.reason });
      return;
    }
    const size = await this.store.size(sha256);
    if (size === undefined) {
      res.status(404).json({ code: 'FIRMWARE_NOT_FOUND', message: 'No such firmware file' });
      return;
    }
    const etag = `"${sha256}"`;
    res.set({ 'Accept-Ranges': 'bytes', ETag: etag, 'Content-Type': 'application/octet-stream' });
    const ifRange = req.headers['if-range'];
    const range =
      ifRange === undefined || ifRange === etag ? parseRange(req.headers.range, size) : { kind: 'full' as const };
    if (range.kind === 'unsatisfiable') {
      res.status(416).set('Content-Range', `bytes */${size}`).end();
      return;
    }
    if (range.kind === 'partial') {
      res.status(206).set({
        'Content-Range': `bytes ${range.start}-${range.end}/${size}`,
        'Content-Length': String(range.end - range.start + 1),
      });
    } else {
      res.status(200).set('Content-Length', String(size));
    }
    if (req.method === 'HEAD' || size === 0) {
      res.end();
      return;
    }
    try {
      await pipeline(this.store.open(sha256, range.kind === 'partial' ? range : undefined), res);
    } catch (error) {
      // Mostly a device that went away mid-download; it resumes with a range.
      this.logger.debug(`download of ${sha256} ended early: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
