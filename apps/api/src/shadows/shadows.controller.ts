import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ShadowRpc, type ShadowDocumentView, type ShadowSettings, type UpdateShadowReply } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { ShadowSettingsDto, UpdateShadowDto } from './shadow.dto';

@ApiTags('device shadow')
@ApiBearerAuth()
@Controller('v1/products/:productKey')
export class ShadowsController {
  constructor(@Inject(Bus) private readonly bus: Bus) {}

  /** GetDeviceShadow: the document with `state.delta` when desired and reported differ. */
  @Get('devices/:deviceName/shadow')
  get(@Param('productKey') productKey: string, @Param('deviceName') deviceName: string): Promise<ShadowDocumentView> {
    return this.bus.request(ShadowRpc.get, { productKey, deviceName });
  }

  /** UpdateDeviceShadow: version conflict → 409 SHADOW_VERSION_CONFLICT; other protocol errors → 400 SHADOW_INVALID. */
  @Post('devices/:deviceName/shadow')
  @HttpCode(200)
  update(
    @Param('productKey') productKey: string,
    @Param('deviceName') deviceName: string,
    @Body() body: UpdateShadowDto,
  ): Promise<UpdateShadowReply> {
    return this.bus.request(ShadowRpc.update, { productKey, deviceName, shadowMessage: body.shadowMessage });
  }

  @Get('shadow-settings')
  settings(@Param('productKey') productKey: string): Promise<ShadowSettings> {
    return this.bus.request(ShadowRpc.getSettings, { productKey });
  }

  @Put('shadow-settings')
  setSettings(@Param('productKey') productKey: string, @Body() body: ShadowSettingsDto): Promise<ShadowSettings> {
    return this.bus.request(ShadowRpc.setSettings, { productKey, pushControlOnConnect: body.pushControlOnConnect });
  }
}
