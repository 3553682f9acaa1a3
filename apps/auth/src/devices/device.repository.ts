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

  findByIotId(iotId: string): Promise<Device | null> {
    return this.db.device.findUnique({ where: { iotId } });
  }

  findWithProduct(productKey: string, deviceName: string): Promise<DeviceWithProduct | null> {
    return this.db.device.findUnique({
      where: { productKey_deviceName: { productKey, deviceName } },
      include: { product: { select: { nodeType: true } } },
    });
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
   * Records a new connection unless a newer one is already recorded. The condition is checked in the
   * UPDATE itself, so concurrent status writers (several auth replicas) cannot regress the status.
   */
  async recordConnected(iotId: string, c: ConnectionFacts): Promise<boolean> {
    const at = new Date(c.at);
    const count = await this.db.$executeRaw`
      UPDATE "auth"."Device" SET
        "status" = 'online', "clientId" = ${c.clientId}, "connectedAt" = ${BigInt(c.connectedAt)},
        "lastOnlineAt" = ${at}, "activatedAt" = COALESCE("activatedAt", ${at}), "ip" = COALESCE(${c.peerhost ?? null}, "ip")
      WHERE "iotId" = ${iotId} AND ("connectedAt" IS NULL OR "connectedAt" < ${BigInt(c.connectedAt)}
        OR ("connectedAt" = ${BigInt(c.connectedAt)} AND "clientId" = ${c.clientId} AND "status" = 'online'))`;
    return count === 1;
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
