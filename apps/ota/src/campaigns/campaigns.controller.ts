import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { OtaRpc } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { CampaignsService } from './campaigns.service';

/** Transport adapter: campaign requests over the bus. */
@Injectable()
export class CampaignsController implements OnModuleInit {
  constructor(
    @Inject(Bus) private readonly bus: Bus,
    @Inject(CampaignsService) private readonly campaigns: CampaignsService,
  ) {}

  onModuleInit(): void {
    this.bus.serve(OtaRpc.createCampaign, (r) => this.campaigns.create(r));
    this.bus.serve(OtaRpc.listCampaigns, (r) => this.campaigns.list(r));
    this.bus.serve(OtaRpc.getCampaign, (r) => this.campaigns.get(r.id));
    this.bus.serve(OtaRpc.cancelCampaign, (r) => this.campaigns.cancel(r.id));
    this.bus.serve(OtaRpc.campaignDevices, (r) => this.campaigns.devices(r));
  }
}
