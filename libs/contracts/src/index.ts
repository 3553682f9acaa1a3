export {
  rpc,
  event,
  signal,
  encodeSubjectToken,
  decodeSubjectToken,
  type RpcContract,
  type EventContract,
  type SignalContract,
  type StreamSpec,
} from './bus';
export { ErrorCode, DomainError, type RpcReply } from './errors';
export * from './auth.contracts';
export * from './device-events.contracts';
export * from './health.contracts';
export * from './ota.contracts';
export * from './shadow.contracts';
export * from './rules.contracts';
export * from './tsl.contracts';
export * from './tsl-rpc.contracts';
