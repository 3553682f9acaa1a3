import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { AuthRpc } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { ProductsService } from './products.service';

/** Transport adapter: product requests from the bus. */
@Injectable()
export class ProductsController implements OnModuleInit {
  constructor(
    @Inject(Bus) private readonly bus: Bus,
    @Inject(ProductsService) private readonly products: ProductsService,
  ) {}

  onModuleInit(): void {
    this.bus.serve(AuthRpc.createProduct, (r) => this.products.create(r));
    this.bus.serve(AuthRpc.getProduct, (r) => this.products.get(r.productKey));
    this.bus.serve(AuthRpc.updateProduct, (r) => this.products.update(r));
    this.bus.serve(AuthRpc.deleteProduct, (r) => this.products.delete(r.productKey));
  }
}
