import { Inject, Injectable } from '@nestjs/common';
import { AUTH_DB, type AuthDb } from '../database/database.module';
import { Prisma, type Device, type DeviceStatus, type NodeType } from '../generated/prisma/client';

/** A device with its product's node type (gateway or not), read in one query on the CONNECT path. */
export type DeviceWithProduct = Device & { product: { nodeType: NodeType } };

export interface NewDevice {
  iotId: string;
  productKey: string;
  deviceName: string;
  secretCipher: string;
}

/** A connection's facts, as the status rules need them. */
export interface ConnectionFacts {
  clientId: string;
  connectedAt: number;
  at: number;
  peerhost?: string;
}

@Injectable()
export class DeviceRepository {
  constructor(@Inject(AUTH_DB) private readonly db: AuthDb) {}

  /** Inserts the device; undefined when the product already has one with that name. */
  async create(data: NewDevice): Promise<Device | undefined> {
    try {
      return await this.db.device.create({ data });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') return undefined;
      throw error;
    }
  }

  countInProduct(productKey: string): Promise<number> {
    return this.db.device.count({ where: { productKey } });
  }

  find(productKey: string, deviceName: string): Promise<Device | null> {
    return this.db.device.findUnique({ where: { productKey_deviceName: { productKey, deviceName } } });
  }

  /**
   * Many devices with their products' node types in one statement: one entry per key, in the order of
   * `keys`, undefined for unknown devices. Raw SQL: every CONNECT and connection event asks.
   */
  async findManyWithProduct(
    keys: readonly { productKey: string; deviceName: string }[],
  ): Promise<(DeviceWithProduct | undefined)[]> {
    if (keys.length === 0) return [];
    const rows = await this.db.$queryRaw<(Device & { i: number; nodeType: NodeType })[]>`
      SELECT k.i::int AS i, d.*, d."status"::text AS "status", p."nodeType"::text AS "nodeType"
      FROM unnest(${keys.map((k) => k.productKey)}::text[], ${keys.map((k) => k.deviceName)}::text[])
        WITH ORDINALITY AS k(pk, dn, i)
      JOIN "auth"."Device" d ON d."productKey" = k.pk AND d."deviceName" = k.dn
      JOIN "auth"."Product" p ON p."productKey" = d."productKey"`;
    const found: (DeviceWithProduct | undefined)[] = keys.map(() => undefined);
    for (const { i, nodeType, ...device } of rows) found[i - 1] = { ...device, product: { nodeType } };
    return found;
  }

  findByIotId(iotId: string): Promise<Device | null> {
    return this.db.device.findUnique({ where: { iotId } });
  }

  async list(
    productKey: string,
    page: number,
    pageSize: number,
    status?: DeviceStatus,
  ): Promise<{ items: Device[]; total: number }> {
    const where = { productKey, ...(status ? { status } : {}) };
    const [items, total] = await this.db.$transaction([
      this.db.device.findMany({ where, orderBy: { createdAt: 'asc' }, skip: (page - 1) * pageSize, take: pageSize }),
      this.db.device.count({ where }),
    ]);
    return { items, total };
  }

  /** Deletes and returns the device (its last connection is needed to kick it). */
  async delete(productKey: string, deviceName: string): Promise<Device | undefined> {
    try {
      return await this.db.device.delete({ where: { productKey_deviceName: { productKey, deviceName } } });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2025') return undefined;
      throw error;
    }
  }

  /** The version the device last reported to apps/ota; false when there is no such device. */
  async setFirmwareVersion(productKey: string, deviceName: string, firmwareVersion: string): Promise<boolean> {
    const { count } = await this.db.device.updateMany({ where: { productKey, deviceName }, data: { firmwareVersion } });
    return count === 1;
  }

  async setDisabled(productKey: string, deviceName: string, disabled: boolean): Promise<Device | undefined> {
    const { count } = await this.db.device.updateMany({ where: { productKey, deviceName }, data: { disabled } });
    return count === 0 ? undefined : ((await this.find(productKey, deviceName)) ?? undefined);
  }

  /** Marks a pre-registered device activated; false when it already was (dynamic registration issues a secret once). */
  async activate(iotId: string, at: Date): Promise<boolean> {
    const { count } = await this.db.device.updateMany({
      where: { iotId, activatedAt: null },
      data: { activatedAt: at },
    });
    return count === 1;
  }

  /**
   * Records new connections, each unless a newer one is already recorded, in one statement; whether each
   * was recorded, in order. The condition is checked in the UPDATE itself, so concurrent status writers
   * (several auth replicas) cannot regress the status. At most one connection per device per call.
   */
  async recordConnectedMany(connections: readonly (ConnectionFacts & { iotId: string })[]): Promise<boolean[]> {
    if (connections.length === 0) return [];
    const column = <T>(pick: (c: ConnectionFacts & { iotId: string }) => T): T[] => connections.map(pick);
    const rows = await this.db.$queryRaw<{ iotId: string }[]>`
      UPDATE "auth"."Device" d SET
        "status" = 'online', "clientId" = c.client_id, "connectedAt" = c.connected_at,
        "lastOnlineAt" = c.at, "activatedAt" = COALESCE(d."activatedAt", c.at), "ip" = COALESCE(c.peerhost, d."ip")
      FROM unnest(${column((c) => c.iotId)}::text[], ${column((c) => c.clientId)}::text[],
        ${column((c) => String(c.connectedAt))}::bigint[], ${column((c) => new Date(c.at).toISOString())}::timestamp(3)[],
        ${column((c) => c.peerhost ?? null)}::text[]) AS c(iot_id, client_id, connected_at, at, peerhost)
      WHERE d."iotId" = c.iot_id AND (d."connectedAt" IS NULL OR d."connectedAt" < c.connected_at
        OR (d."connectedAt" = c.connected_at AND d."clientId" = c.client_id AND d."status" = 'online'))
      RETURNING d."iotId"`;
    const recorded = new Set(rows.map((r) => r.iotId));
    return connections.map((c) => recorded.has(c.iotId));
  }

  /**
   * Marks the device offline if the disconnect belongs to the connection on record or a newer one (whose
   * connect is late), and records that connection so its late connect is recognised as already over.
   */
  async recordDisconnected(iotId: string, c: ConnectionFacts): Promise<boolean> {
    const connectedAt = BigInt(c.connectedAt);
    const count = await this.db.$executeRaw`
      UPDATE "auth"."Device" SET "status" = 'offline', "clientId" = ${c.clientId}, "connectedAt" = ${connectedAt},
        "activatedAt" = COALESCE("activatedAt", ${new Date(c.connectedAt)})
      WHERE "iotId" = ${iotId} AND ("connectedAt" IS NULL OR "connectedAt" < ${connectedAt}
        OR ("connectedAt" = ${connectedAt} AND "clientId" = ${c.clientId} AND "status" = 'online'))`;
    return count === 1;
  }
}
