import { Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { DomainError, ErrorCode, OtaRpc, type FirmwareView, type Page } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { FirmwareUploadClient } from './firmware-upload.client';
import { ListFirmwareQuery, UploadFirmwareQuery } from './ota.dto';

@ApiTags('OTA firmware')
@ApiBearerAuth()
@Controller('v1/firmware')
export class FirmwareController {
  constructor(
    @Inject(Bus) private readonly bus: Bus,
    @Inject(FirmwareUploadClient) private readonly uploads: FirmwareUploadClient,
  ) {}

  /**
   * The image is the raw request body (`Content-Type: application/octet-stream`), streamed to apps/ota, which
   * stores it by SHA-256 and computes size, MD5 and SHA-256; the metadata is in the query.
   */
  @Post()
  @ApiConsumes('application/octet-stream')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  upload(@Query() query: UploadFirmwareQuery, @Req() req: Request): Promise<FirmwareView> {
    if (!req.is('application/octet-stream'))
      throw new DomainError(ErrorCode.VALIDATION_FAILED, 'Send the firmware as Content-Type: application/octet-stream');
    return this.uploads.upload({ ...query }, req);
  }

  @Get()
  list(@Query() query: ListFirmwareQuery): Promise<Page<FirmwareView>> {
    return this.bus.request(OtaRpc.listFirmware, { ...query });
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<FirmwareView> {
    return this.bus.request(OtaRpc.getFirmware, { id });
  }

  /** Refused (409 FIRMWARE_IN_USE) while a running campaign installs it. */
  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id') id: string): Promise<void> {
    await this.bus.request(OtaRpc.deleteFirmware, { id });
  }
}
