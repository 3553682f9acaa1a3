import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  RulesRpc,
  type DeadLetterView,
  type Page,
  type ReplayAllReply,
  type RuleAction,
  type RuleDefinition,
  type RuleView,
} from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { PageQuery } from '../common/page.query';
import { ListDeadLettersQuery, RuleDto } from './rule.dto';

/** The DTO's fields as the contract types them (which action fields apply is checked by apps/rules). */
function definition(body: RuleDto): RuleDefinition & { enabled?: boolean } {
  return {
    name: body.name,
    description: body.description,
    sql: body.sql,
    actions: body.actions as RuleAction[],
    errorAction: body.errorAction as RuleAction | null | undefined,
    enabled: body.enabled,
  };
}

@ApiTags('rules')
@ApiBearerAuth()
@Controller('v1/rules')
export class RulesController {
  constructor(@Inject(Bus) private readonly bus: Bus) {}

  /** Validated and compiled on save: a SQL error → 400 RULE_INVALID with its line and column. */
  @Post()
  create(@Body() body: RuleDto): Promise<RuleView> {
    return this.bus.request(RulesRpc.create, definition(body));
  }

  @Get()
  list(@Query() query: PageQuery): Promise<Page<RuleView>> {
    return this.bus.request(RulesRpc.list, { page: query.page, pageSize: query.pageSize });
  }

  /** With the rule's counters: matched, succeeded, failed (attempts), deadLettered. */
  @Get(':id')
  get(@Param('id') id: string): Promise<RuleView> {
    return this.bus.request(RulesRpc.get, { id });
  }

  @Put(':id')
  update(@Param('id') id: string, @Body() body: RuleDto): Promise<RuleView> {
    return this.bus.request(RulesRpc.update, { id, ...definition(body) });
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id') id: string): Promise<void> {
    await this.bus.request(RulesRpc.delete, { id });
  }

  @Post(':id/enable')
  @HttpCode(200)
  enable(@Param('id') id: string): Promise<RuleView> {
    return this.bus.request(RulesRpc.setEnabled, { id, enabled: true });
  }

  @Post(':id/disable')
  @HttpCode(200)
  disable(@Param('id') id: string): Promise<RuleView> {
    return this.bus.request(RulesRpc.setEnabled, { id, enabled: false });
  }

  @Get(':id/dead-letters')
  deadLetters(@Param('id') id: string, @Query() query: ListDeadLettersQuery): Promise<Page<DeadLetterView>> {
    return this.bus.request(RulesRpc.listDeadLetters, {
      ruleId: id,
      page: query.page,
      pageSize: query.pageSize,
      status: query.status,
    });
  }

  /** Every dead letter not replayed yet (up to 1,000 per call), to the rule's actions as they are now. */
  @Post(':id/dead-letters/replay')
  @HttpCode(200)
  replayAll(@Param('id') id: string): Promise<ReplayAllReply> {
    return this.bus.request(RulesRpc.replayAllDeadLetters, { id });
  }

  /** A fresh delivery, with fresh retries, to the action as it is configured now. */
  @Post(':id/dead-letters/:deadLetterId/replay')
  @HttpCode(200)
  replay(@Param('id') id: string, @Param('deadLetterId') deadLetterId: string): Promise<DeadLetterView> {
    return this.bus.request(RulesRpc.replayDeadLetter, { ruleId: id, deadLetterId });
  }
}
