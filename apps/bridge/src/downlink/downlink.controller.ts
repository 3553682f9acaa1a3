import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { BridgeRpc, BridgeSignals } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { BROKER_DRIVER, type BrokerDriver } from '../broker/broker-driver';

/** Transport adapter: downlink publishes and kicks from the services, handed to the broker driver. */
@Injectable()
export class DownlinkController implements OnModuleInit {
  constructor(
    @Inject(Bus) private readonly bus: Bus,
    @Inject(BROKER_DRIVER) private readonly broker: BrokerDriver,
  ) {}

  onModuleInit(): void {
    this.bus.serve(BridgeRpc.publish, (r) => this.broker.publish(r));
    this.bus.onSignal(BridgeSignals.kick, (r) => this.broker.kick(r));
  }
}
