import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { OtaRpc, type CampaignDeviceView, type CampaignView, type Page } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { CreateCampaignDto, ListCampaignDevicesQuery, ListCampaignsQuery } from './ota.dto';

@ApiTags('OTA campaigns')
@ApiBearerAuth()
@Controller('v1/ota/campaigns')
export class CampaignsController {
  constructor(@Inject(Bus) private readonly bus: Bus) {}

  /** Starts at once; devices offline now get the upgrade when they next report in. */
  @Post()
  create(@Body() body: CreateCampaignDto): Promise<CampaignView> {
    return this.bus.request(OtaRpc.createCampaign, { ...body }, { timeoutMs: 30_000 });
  }

  @Get()
  list(@Query() query: ListCampaignsQuery): Promise<Page<CampaignView>> {
    return this.bus.request(OtaRpc.listCampaigns, { ...query });
  }

  /** With statistics: devices pending, in progress, succeeded, failed, timed out, cancelled; the failure rate. */
  @Get(':id')
  get(@Param('id') id: string): Promise<CampaignView> {
    return this.bus.request(OtaRpc.getCampaign, { id });
  }

  /** Unfinished devices become CANCELLED; 409 CAMPAIGN_NOT_CANCELLABLE once the campaign has ended. */
  @Post(':id/cancel')
  @HttpCode(200)
  cancel(@Param('id') id: string): Promise<CampaignView> {
    return this.bus.request(OtaRpc.cancelCampaign, { id });
  }

  @Get(':id/devices')
  devices(@Param('id') id: string, @Query() query: ListCampaignDevicesQuery): Promise<Page<CampaignDeviceView>> {
    return this.bus.request(OtaRpc.campaignDevices, { ...query, id });
  }
}
