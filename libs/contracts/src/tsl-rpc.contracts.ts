import { encodeSubjectToken, rpc, signal } from './bus';

/** The thing model as applications write and read it (protocol.md §4.1). */
export type ThingModelDocument = Record<string, unknown>;

export interface PropertyValueView {
  identifier: string;
  value: unknown;
  /** Epoch ms. */
  time: number;
}

export interface HistoryRequest {
  productKey: string;
  deviceName: string;
  identifier?: string;
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, exclusive. */
  to?: number;
  limit?: number;
  /** Opaque cursor from the previous page. */
  cursor?: string;
}

export interface HistoryPage<T> {
  items: T[];
  /** Present when there are more items: pass it back as `cursor`. */
  nextCursor?: string;
}

export interface EventView {
  identifier: string;
  type: string;
  output: Record<string, unknown>;
  time: number;
}

export interface DroppedValueView {
  kind: string;
  identifier: string;
  value: unknown;
  reason: string;
  requestId: string | null;
  at: string;
}

export type CommandStatus =
  'PENDING' | 'SENT' | 'DELIVERED' | 'SUCCEEDED' | 'FAILED' | 'EXPIRED' | 'TIMEOUT' | 'CANCELLED';

export interface CommandView {
  commandId: string;
  productKey: string;
  deviceName: string;
  kind: 'property-set' | 'service' | 'message';
  identifier: string | null;
  topic: string;
  status: CommandStatus;
  createdAt: string;
  expiresAt: string;
  sentAt?: string;
  deliveredAt?: string;
  repliedAt?: string;
  reply?: unknown;
  error?: string;
}

interface DeviceTarget {
  productKey: string;
  deviceName: string;
}

export interface InvokeServiceRequest extends DeviceTarget {
  identifier: string;
  args: Record<string, unknown>;
  mode: 'sync' | 'async';
  timeoutMs?: number;
  ttlSeconds?: number;
}

export interface SetPropertiesRequest extends DeviceTarget {
  items: Record<string, unknown>;
  mode?: 'sync' | 'async';
  timeoutMs?: number;
  ttlSeconds?: number;
}

export interface SendMessageRequest extends DeviceTarget {
  topic: string;
  /** UTF-8 text, or base64 when `encoding` is base64. */
  payload: string;
  encoding?: 'utf8' | 'base64';
  qos?: 0 | 1;
  ttlSeconds?: number;
}

/** Async calls: the command to follow. Sync calls: the device's reply as well. */
export interface CommandAccepted {
  commandId: string;
  status: CommandStatus;
  reply?: { code: number; data?: unknown; message?: string };
}

export const TslRpc = {
  putModel: rpc<{ productKey: string; model: ThingModelDocument }, ThingModelDocument>('tsl.v1.model.put'),
  getModel: rpc<{ productKey: string }, ThingModelDocument>('tsl.v1.model.get'),
  latestProperties: rpc<DeviceTarget, PropertyValueView[]>('tsl.v1.properties.latest'),
  propertyHistory: rpc<HistoryRequest & { identifier: string }, HistoryPage<PropertyValueView>>(
    'tsl.v1.properties.history',
  ),
  events: rpc<HistoryRequest, HistoryPage<EventView>>('tsl.v1.event-log.list'),
  droppedValues: rpc<HistoryRequest, HistoryPage<DroppedValueView>>('tsl.v1.dropped.list'),
  setProperties: rpc<SetPropertiesRequest, CommandAccepted>('tsl.v1.commands.set-properties'),
  invokeService: rpc<InvokeServiceRequest, CommandAccepted>('tsl.v1.commands.invoke-service'),
  sendMessage: rpc<SendMessageRequest, CommandAccepted>('tsl.v1.commands.send-message'),
  getCommand: rpc<{ commandId: string }, CommandView>('tsl.v1.commands.get'),
  cancelCommand: rpc<{ commandId: string }, CommandView>('tsl.v1.commands.cancel'),
} as const;

/** A command's outcome, for the replica waiting on a sync call (any replica may receive the device's reply). */
export const commandSettled = (commandId: string) =>
  signal<CommandView>(`tsl.v1.command-settled.${encodeSubjectToken(commandId)}`);
