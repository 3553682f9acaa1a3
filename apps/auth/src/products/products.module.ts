import { Module } from '@nestjs/common';
import { ProductRepository } from './product.repository';
import { ProductsController } from './products.controller';
import { ProductsService } from './products.service';

@Module({
  providers: [ProductRepository, ProductsService, ProductsController],
  exports: [ProductsService, ProductRepository],
})
export class ProductsModule {}
