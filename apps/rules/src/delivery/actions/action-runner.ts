import { Inject, Injectable } from '@nestjs/common';
import type { RuleAction } from '@iot/contracts';
import type { ActionContext } from './action-context';
import { HttpActionRunner } from './http.action';
import { NatsActionRunner } from './nats.action';
import { PostgresActionRunner } from './postgres.action';
import { RepublishActionRunner } from './republish.action';

/** Runs one attempt of an action; resolves on success, rejects with what went wrong. */
@Injectable()
export class ActionRunner {
  constructor(
    @Inject(RepublishActionRunner) private readonly republish: RepublishActionRunner,
    @Inject(NatsActionRunner) private readonly nats: NatsActionRunner,
    @Inject(HttpActionRunner) private readonly http: HttpActionRunner,
    @Inject(PostgresActionRunner) private readonly postgres: PostgresActionRunner,
  ) {}

  run(action: RuleAction, output: unknown, context: ActionContext): Promise<void> {
    switch (action.type) {
      case 'republish':
        return this.republish.run(action, output);
      case 'nats':
        return this.nats.run(action, output, context);
      case 'http':
        return this.http.run(action, output, context);
      case 'postgres':
        return this.postgres.run(action, output);
    }
  }
}
