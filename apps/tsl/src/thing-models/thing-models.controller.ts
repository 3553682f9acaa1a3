import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { TslRpc } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { ThingModelsService } from './thing-models.service';

/** Transport adapter: thing models from the bus. */
@Injectable()
export class ThingModelsController implements OnModuleInit {
  constructor(
    @Inject(Bus) private readonly bus: Bus,
    @Inject(ThingModelsService) private readonly models: ThingModelsService,
  ) {}

  onModuleInit(): void {
    this.bus.serve(TslRpc.putModel, (r) => this.models.put(r.productKey, r.model));
    this.bus.serve(TslRpc.getModel, (r) => this.models.getDocument(r.productKey));
  }
}
