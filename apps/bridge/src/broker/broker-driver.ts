import type { DownlinkReply, DownlinkRequest, KickRequest } from '@iot/contracts';

/**
 * What the bridge needs from the MQTT broker in front of it. Two implementations:
 * `embedded` (Aedes in this process) and `emqx` (webhooks in, REST API out).
 */
export interface BrokerDriver {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Publishes to a device topic; resolves whether a subscriber (or persistent session) took it. */
  publish(request: DownlinkRequest): Promise<DownlinkReply>;
  /** Closes the device's connection(s); a persistent session is discarded too. */
  kick(request: KickRequest): Promise<void>;
  isReady(): boolean;
}

export const BROKER_DRIVER = Symbol('BROKER_DRIVER');
