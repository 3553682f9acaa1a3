/** The async persistence class of aedes-persistence-redis 11 (the package ships no types for it). */
declare module 'aedes-persistence-redis/asyncPersistence.js' {
  import type { Redis } from 'ioredis';

  class AsyncRedisPersistence {
    constructor(options: { conn?: Redis; maxSessionDelivery?: number });
    setup(broker: unknown): Promise<void>;
    createRetainedStreamCombi(patterns: string[]): unknown;
    outgoingStream(client: unknown): unknown;
    streamWill(brokers: unknown): unknown;
    getClientList(topic: string): unknown;
    destroy(): Promise<void>;
  }
  export = AsyncRedisPersistence;
}
