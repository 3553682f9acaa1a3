import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  TslRpc,
  type CommandAccepted,
  type CommandView,
  type DroppedValueView,
  type EventView,
  type HistoryPage,
  type PropertyValueView,
  type ThingModelDocument,
} from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { InvokeServiceDto, RangeQuery, SendMessageDto, SetPropertiesDto } from './things.dto';

/** Async calls answer 202 with the command to follow; sync calls answer 200 with the device's reply. */
const statusOf = (accepted: CommandAccepted) => (accepted.reply ? 200 : 202);

@ApiTags('thing model and commands')
@ApiBearerAuth()
@Controller('v1')
export class ThingsController {
  constructor(@Inject(Bus) private readonly bus: Bus) {}

  @Put('products/:productKey/thing-model')
  @ApiBody({ description: 'The TSL document (protocol.md §4.1): properties, events, services' })
  putModel(@Param('productKey') productKey: string, @Body() model: ThingModelDocument): Promise<ThingModelDocument> {
    return this.bus.request(TslRpc.putModel, { productKey, model });
  }

  @Get('products/:productKey/thing-model')
  getModel(@Param('productKey') productKey: string): Promise<ThingModelDocument> {
    return this.bus.request(TslRpc.getModel, { productKey });
  }

  @Get('products/:productKey/devices/:deviceName/properties')
  properties(
    @Param('productKey') productKey: string,
    @Param('deviceName') deviceName: string,
  ): Promise<PropertyValueView[]> {
    return this.bus.request(TslRpc.latestProperties, { productKey, deviceName });
  }

  @Get('products/:productKey/devices/:deviceName/properties/:identifier/history')
  history(
    @Param('productKey') productKey: string,
    @Param('deviceName') deviceName: string,
    @Param('identifier') identifier: string,
    @Query() q: RangeQuery,
  ): Promise<HistoryPage<PropertyValueView>> {
    return this.bus.request(TslRpc.propertyHistory, { ...q, productKey, deviceName, identifier });
  }

  @Get('products/:productKey/devices/:deviceName/events')
  events(
    @Param('productKey') productKey: string,
    @Param('deviceName') deviceName: string,
    @Query() q: RangeQuery,
  ): Promise<HistoryPage<EventView>> {
    return this.bus.request(TslRpc.events, { ...q, productKey, deviceName });
  }

  /** Every value the platform refused from this device, with the reason (unknown identifier, wrong type, out of range…). */
  @Get('products/:productKey/devices/:deviceName/dropped-values')
  dropped(
    @Param('productKey') productKey: string,
    @Param('deviceName') deviceName: string,
    @Query() q: RangeQuery,
  ): Promise<HistoryPage<DroppedValueView>> {
    return this.bus.request(TslRpc.droppedValues, { ...q, productKey, deviceName });
  }

  @Post('products/:productKey/devices/:deviceName/properties')
  async setProperties(
    @Param('productKey') productKey: string,
    @Param('deviceName') deviceName: string,
    @Body() body: SetPropertiesDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CommandAccepted> {
    const accepted = await this.bus.request(
      TslRpc.setProperties,
      { ...body, productKey, deviceName },
      { timeoutMs: 65_000 },
    );
    res.status(statusOf(accepted));
    return accepted;
  }

  @Post('products/:productKey/devices/:deviceName/services/:identifier')
  async invoke(
    @Param('productKey') productKey: string,
    @Param('deviceName') deviceName: string,
    @Param('identifier') identifier: string,
    @Body() body: InvokeServiceDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CommandAccepted> {
    const accepted = await this.bus.request(
      TslRpc.invokeService,
      { ...body, args: body.args ?? {}, productKey, deviceName, identifier },
      { timeoutMs: 65_000 },
    );
    res.status(statusOf(accepted));
    return accepted;
  }

  @Post('products/:productKey/devices/:deviceName/messages')
  @HttpCode(202)
  message(
    @Param('productKey') productKey: string,
    @Param('deviceName') deviceName: string,
    @Body() body: SendMessageDto,
  ): Promise<CommandAccepted> {
    return this.bus.request(TslRpc.sendMessage, { ...body, productKey, deviceName });
  }

  @Get('commands/:commandId')
  command(@Param('commandId') commandId: string): Promise<CommandView> {
    return this.bus.request(TslRpc.getCommand, { commandId });
  }

  @Post('commands/:commandId/cancel')
  @HttpCode(200)
  cancel(@Param('commandId') commandId: string): Promise<CommandView> {
    return this.bus.request(TslRpc.cancelCommand, { commandId });
  }
}
