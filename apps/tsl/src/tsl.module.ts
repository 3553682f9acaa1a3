import { Module, type DynamicModule } from '@nestjs/common';
import { platformModules, PrismaModule } from '@iot/runtime';
import { CommandRepository } from './commands/command.repository';
import { CommandsController } from './commands/commands.controller';
import { CommandsService } from './commands/commands.service';
import { TSL_CONFIG, type TslConfig } from './config/tsl.env';
import { TSL_DB } from './database/tsl-db';
import { DeviceLink } from './device/device-link';
import { PrismaClient } from './generated/prisma/client';
import { DevicePostsService } from './posts/device-posts.service';
import { TelemetryController } from './posts/telemetry.controller';
import { TelemetryRepository } from './posts/telemetry.repository';
import { ThingModelRepository } from './thing-models/thing-model.repository';
import { ThingModelsController } from './thing-models/thing-models.controller';
import { ThingModelsService } from './thing-models/thing-models.service';
import { ThingUplinkController } from './uplink/thing-uplink.controller';

/** apps/tsl: thing models, property/event posts, commands with an offline queue (protocol.md §3, §4). */
@Module({})
export class TslModule {
  static forRoot(config: TslConfig): DynamicModule {
    return {
      module: TslModule,
      imports: [
        ...platformModules('tsl', config),
        PrismaModule.forApp({ token: TSL_DB, client: PrismaClient, databaseUrl: config.DATABASE_URL, schema: 'tsl' }),
      ],
      providers: [
        { provide: TSL_CONFIG, useValue: config },
        DeviceLink,
        ThingModelRepository,
        ThingModelsService,
        ThingModelsController,
        TelemetryRepository,
        TelemetryController,
        DevicePostsService,
        CommandRepository,
        CommandsService,
        CommandsController,
        ThingUplinkController,
      ],
    };
  }
}
