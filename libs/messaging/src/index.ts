export { Bus, encode, decode, type ConsumeOptions, type EventMeta, type RequestOptions } from './bus';
export { BusModule, BUS_OPTIONS, type BusOptions } from './bus.module';
export { coalesceWrites } from './coalesced-writes';
export { RequestMux, NoRespondersError, RequestTimeoutError } from './request-mux';
