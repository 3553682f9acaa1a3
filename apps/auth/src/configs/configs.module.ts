import { Module } from '@nestjs/common';
import { ProductsModule } from '../products/products.module';
import { ConfigsController } from './configs.controller';
import { ConfigsService } from './configs.service';

@Module({ imports: [ProductsModule], providers: [ConfigsService, ConfigsController], exports: [ConfigsService] })
export class ConfigsModule {}
