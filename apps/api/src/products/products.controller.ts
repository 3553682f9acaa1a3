import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AuthRpc, type ProductCreated, type ProductView } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { CreateProductDto, UpdateProductDto } from './product.dto';

@ApiTags('products')
@ApiBearerAuth()
@Controller('v1/products')
export class ProductsController {
  constructor(@Inject(Bus) private readonly bus: Bus) {}

  @Post()
  create(@Body() body: CreateProductDto): Promise<ProductCreated> {
    return this.bus.request(AuthRpc.createProduct, body);
  }

  @Get(':productKey')
  get(@Param('productKey') productKey: string): Promise<ProductView> {
    return this.bus.request(AuthRpc.getProduct, { productKey });
  }

  @Patch(':productKey')
  update(@Param('productKey') productKey: string, @Body() body: UpdateProductDto): Promise<ProductView> {
    return this.bus.request(AuthRpc.updateProduct, { ...body, productKey });
  }

  @Delete(':productKey')
  @HttpCode(204)
  async delete(@Param('productKey') productKey: string): Promise<void> {
    await this.bus.request(AuthRpc.deleteProduct, { productKey });
  }
}
