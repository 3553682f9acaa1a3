import { Body, Controller, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { AuthRpc, type ApiKeyCreated } from '@iot/contracts';
import { Bus } from '@iot/messaging';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'billing-service' })
  @IsString()
  @Length(1, 64)
  name!: string;
}

@ApiTags('api-keys')
@ApiBearerAuth()
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(@Inject(Bus) private readonly bus: Bus) {}

  /** The key is in the reply once; only its hash is stored. */
  @Post()
  create(@Body() body: CreateApiKeyDto): Promise<ApiKeyCreated> {
    return this.bus.request(AuthRpc.createApiKey, body);
  }
}
