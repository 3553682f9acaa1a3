import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { platformModules } from '@iot/runtime';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { ApiKeyGuard } from './common/api-key.guard';
import { ErrorFilter } from './common/error.filter';
import { API_CONFIG, type ApiConfig } from './config/api.env';
import { DevicesController } from './devices/devices.controller';
import { GatewayController } from './devices/gateway.controller';
import { PlatformHealthController } from './health/platform-health.controller';
import { CampaignsController } from './ota/campaigns.controller';
import { FirmwareController } from './ota/firmware.controller';
import { FirmwareUploadClient } from './ota/firmware-upload.client';
import { ProductsController } from './products/products.controller';
import { RulesController } from './rules/rules.controller';
import { ShadowsController } from './shadows/shadows.controller';
import { ThingsController } from './things/things.controller';

/** apps/api: the applications' HTTP API. No domain logic: every call is one request to a service. */
@Module({})
export class ApiModule {
  static forRoot(config: ApiConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [...platformModules('api', config, { healthController: false })],
      controllers: [
        PlatformHealthController,
        ProductsController,
        DevicesController,
        GatewayController,
        ShadowsController,
        ThingsController,
        ApiKeysController,
        RulesController,
        FirmwareController,
        CampaignsController,
      ],
      providers: [
        { provide: API_CONFIG, useValue: config },
        FirmwareUploadClient,
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_FILTER, useClass: ErrorFilter },
      ],
    };
  }
}
