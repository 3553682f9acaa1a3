import { Module, type DynamicModule } from '@nestjs/common';
import { platformModules, PrismaModule } from '@iot/runtime';
import { RULES_CONFIG, type RulesConfig } from './config/rules.env';
import { RULES_DB } from './database/rules-db';
import { ActionRunner } from './delivery/actions/action-runner';
import { HttpActionRunner } from './delivery/actions/http.action';
import { NatsActionRunner } from './delivery/actions/nats.action';
import { PostgresActionRunner } from './delivery/actions/postgres.action';
import { RepublishActionRunner } from './delivery/actions/republish.action';
import { DeadLetterRepository } from './delivery/dead-letter.repository';
import { DeadLettersService } from './delivery/dead-letters.service';
import { DeliveryService } from './delivery/delivery.service';
import { RetryQueue } from './delivery/retry-queue';
import { RetryConsumer } from './delivery/retry.consumer';
import { RuleCounters } from './delivery/rule-counters';
import { RuleEngine } from './delivery/rule-engine';
import { PrismaClient } from './generated/prisma/client';
import { RuleCache } from './rules/rule-cache';
import { RuleRepository } from './rules/rule.repository';
import { RulesController } from './rules/rules.controller';
import { RulesService } from './rules/rules.service';
import { SourcesConsumer } from './sources/sources.consumer';

/** apps/rules: SQL rules over device messages and platform events, forwarding with retries and dead letters. */
@Module({})
export class RulesModule {
  static forRoot(config: RulesConfig): DynamicModule {
    return {
      module: RulesModule,
      imports: [
        ...platformModules('rules', config),
        {
          module: RulesConfigModule,
          global: true,
          providers: [{ provide: RULES_CONFIG, useValue: config }],
          exports: [RULES_CONFIG],
        },
        PrismaModule.forApp({
          token: RULES_DB,
          client: PrismaClient,
          databaseUrl: config.DATABASE_URL,
          schema: 'rules',
        }),
      ],
      providers: [
        RuleRepository,
        RuleCache,
        RulesService,
        RulesController,
        DeadLetterRepository,
        DeadLettersService,
        RuleCounters,
        RepublishActionRunner,
        NatsActionRunner,
        HttpActionRunner,
        PostgresActionRunner,
        ActionRunner,
        RetryQueue,
        DeliveryService,
        RetryConsumer,
        RuleEngine,
        SourcesConsumer,
      ],
    };
  }
}

@Module({})
class RulesConfigModule {}
