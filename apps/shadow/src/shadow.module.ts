import { Module, type DynamicModule } from '@nestjs/common';
import { platformModules, PrismaModule } from '@iot/runtime';
import { SHADOW_CONFIG, type ShadowConfig } from './config/shadow.env';
import { SHADOW_DB } from './database/shadow-db';
import { PrismaClient } from './generated/prisma/client';
import { SettingsController } from './settings/settings.controller';
import { SettingsRepository } from './settings/settings.repository';
import { AppliedMessagesPruner } from './shadows/applied-messages.pruner';
import { ControlOnConnectService } from './shadows/control-on-connect.service';
import { BatchedReads } from './shadows/batched-reads';
import { BatchedWrites } from './shadows/batched-writes';
import { ShadowPublisher } from './shadows/shadow-publisher';
import { ShadowRepository } from './shadows/shadow.repository';
import { ShadowsController } from './shadows/shadows.controller';
import { ShadowsService } from './shadows/shadows.service';

/** apps/shadow: device shadows (protocol.md §2). */
@Module({})
export class ShadowModule {
  static forRoot(config: ShadowConfig): DynamicModule {
    return {
      module: ShadowModule,
      imports: [
        ...platformModules('shadow', config),
        {
          module: ShadowConfigModule,
          global: true,
          providers: [{ provide: SHADOW_CONFIG, useValue: config }],
          exports: [SHADOW_CONFIG],
        },
        PrismaModule.forApp({
          token: SHADOW_DB,
          client: PrismaClient,
          databaseUrl: config.DATABASE_URL,
          schema: 'shadow',
        }),
      ],
      providers: [
        ShadowRepository,
        BatchedWrites,
        BatchedReads,
        ShadowPublisher,
        ShadowsService,
        ShadowsController,
        AppliedMessagesPruner,
        SettingsRepository,
        SettingsController,
        ControlOnConnectService,
      ],
    };
  }
}

@Module({})
class ShadowConfigModule {}
