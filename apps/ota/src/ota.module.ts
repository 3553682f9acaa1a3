import { Module, type DynamicModule } from '@nestjs/common';
import { platformModules, PrismaModule } from '@iot/runtime';
import { CampaignRepository } from './campaigns/campaign.repository';
import { CampaignsController } from './campaigns/campaigns.controller';
import { CampaignsService } from './campaigns/campaigns.service';
import { JobRepository } from './campaigns/job.repository';
import { OTA_CONFIG, type OtaConfig } from './config/ota.env';
import { OTA_DB } from './database/ota-db';
import { DeviceEventsController } from './devices/device-events.controller';
import { DeviceVersionRepository } from './devices/device-version.repository';
import { VersionsService } from './devices/versions.service';
import { DownloadController } from './firmware/download.controller';
import { FirmwareStore } from './firmware/firmware-store';
import { FirmwareController } from './firmware/firmware.controller';
import { FirmwareRepository } from './firmware/firmware.repository';
import { FirmwareService } from './firmware/firmware.service';
import { UploadController } from './firmware/upload.controller';
import { PrismaClient } from './generated/prisma/client';
import { RolloutService } from './rollout/rollout.service';
import { SchedulerController } from './rollout/scheduler.controller';
import { SchedulerService } from './rollout/scheduler.service';
import { UpgradeSender } from './rollout/upgrade-sender';

/** apps/ota: firmware, device versions, campaigns and their rollout (protocol.md §6; docs/adr/0009-ota.md). */
@Module({})
export class OtaModule {
  static forRoot(config: OtaConfig): DynamicModule {
    return {
      module: OtaModule,
      imports: [
        ...platformModules('ota', config),
        PrismaModule.forApp({ token: OTA_DB, client: PrismaClient, databaseUrl: config.DATABASE_URL, schema: 'ota' }),
      ],
      controllers: [UploadController, DownloadController],
      providers: [
        { provide: OTA_CONFIG, useValue: config },
        { provide: FirmwareStore, useValue: new FirmwareStore(config.OTA_STORAGE_DIR) },
        FirmwareRepository,
        FirmwareService,
        FirmwareController,
        DeviceVersionRepository,
        VersionsService,
        CampaignRepository,
        JobRepository,
        CampaignsService,
        CampaignsController,
        UpgradeSender,
        RolloutService,
        SchedulerService,
        SchedulerController,
        DeviceEventsController,
      ],
    };
  }
}
