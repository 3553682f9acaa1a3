import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { RulesRpc } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { DeadLettersService } from '../delivery/dead-letters.service';
import { RulesService } from './rules.service';

/** Transport adapter: the rules API of apps/api, over the bus. */
@Injectable()
export class RulesController implements OnModuleInit {
  constructor(
    @Inject(Bus) private readonly bus: Bus,
    @Inject(RulesService) private readonly rules: RulesService,
    @Inject(DeadLettersService) private readonly deadLetters: DeadLettersService,
  ) {}

  onModuleInit(): void {
    this.bus.serve(RulesRpc.create, (r) => this.rules.create(r));
    this.bus.serve(RulesRpc.list, (r) => this.rules.list(r));
    this.bus.serve(RulesRpc.get, (r) => this.rules.get(r.id));
    this.bus.serve(RulesRpc.update, (r) => this.rules.update(r));
    this.bus.serve(RulesRpc.delete, (r) => this.rules.delete(r.id));
    this.bus.serve(RulesRpc.setEnabled, (r) => this.rules.setEnabled(r.id, r.enabled));
    this.bus.serve(RulesRpc.listDeadLetters, (r) => this.deadLetters.list(r));
    this.bus.serve(RulesRpc.replayDeadLetter, (r) => this.deadLetters.replay(r));
    this.bus.serve(RulesRpc.replayAllDeadLetters, (r) => this.deadLetters.replayAll(r));
  }
}
