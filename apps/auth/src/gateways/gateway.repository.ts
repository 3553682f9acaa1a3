import { Inject, Injectable } from '@nestjs/common';
import { AUTH_DB, type AuthDb } from '../database/database.module';
import { Prisma, type Device } from '../generated/prisma/client';

/** A sub-device session with both devices named. */
export interface SubSessionRow {
  productKey: string;
  deviceName: string;
  gatewayProductKey: string;
  gatewayDeviceName: string;
  gatewayClientId: string;
  loggedInAt: Date;
}

const SESSION_SELECT = Prisma.sql`
  SELECT sub."productKey", sub."deviceName", gw."productKey" AS "gatewayProductKey",
         gw."deviceName" AS "gatewayDeviceName", s."gatewayClientId", s."loggedInAt"
  FROM "auth"."SubSession" s
  JOIN "auth"."Device" sub ON sub."iotId" = s."subIotId"
  JOIN "auth"."Device" gw ON gw."iotId" = s."gatewayIotId"`;

/** Topology, sub-device sessions, login counts and tags. */
@Injectable()
export class GatewayRepository {
  constructor(@Inject(AUTH_DB) private readonly db: AuthDb) {}

  async gatewayOf(subIotId: string): Promise<string | undefined> {
    return (await this.db.topology.findUnique({ where: { subIotId } }))?.gatewayIotId;
  }

  /** Adds (or moves) sub-devices under a gateway, all or none. */
  async addTopology(gatewayIotId: string, subIotIds: string[]): Promise<void> {
    await this.db.$transaction(
      subIotIds.map((subIotId) =>
        this.db.topology.upsert({
          where: { subIotId },
          create: { subIotId, gatewayIotId },
          update: { gatewayIotId, createdAt: new Date() },
        }),
      ),
    );
  }

  async removeTopology(gatewayIotId: string, subIotIds: string[]): Promise<void> {
    await this.db.topology.deleteMany({ where: { gatewayIotId, subIotId: { in: subIotIds } } });
  }

  async subDevicesOf(gatewayIotId: string): Promise<Device[]> {
    const rows = await this.db.topology.findMany({ where: { gatewayIotId }, orderBy: { createdAt: 'asc' } });
    if (rows.length === 0) return [];
    return this.db.device.findMany({ where: { iotId: { in: rows.map((r) => r.subIotId) } } });
  }

  countSessions(gatewayIotId: string): Promise<number> {
    return this.db.subSession.count({ where: { gatewayIotId } });
  }

  findSession(subIotId: string) {
    return this.db.subSession.findUnique({ where: { subIotId } });
  }

  /** Opens (or moves) the sub-device's session; returns its login time. */
  async openSession(
    subIotId: string,
    gatewayIotId: string,
    gatewayClientId: string,
    cleanSession: boolean,
  ): Promise<Date> {
    const loggedInAt = new Date();
    await this.db.$transaction([
      this.db.subSession.upsert({
        where: { subIotId },
        create: { subIotId, gatewayIotId, gatewayClientId, cleanSession, loggedInAt },
        update: { gatewayIotId, gatewayClientId, cleanSession, loggedInAt },
      }),
      this.db.subLogin.create({ data: { subIotId } }),
      // Login counts older than the rate window are of no use.
      this.db.subLogin.deleteMany({ where: { subIotId, at: { lt: new Date(Date.now() - 120_000) } } }),
    ]);
    return loggedInAt;
  }

  /** Closes the session if it lives on `gatewayClientId`; returns its login time, undefined when there was none. */
  async closeSessionOn(subIotId: string, gatewayClientId: string): Promise<Date | undefined> {
    const [closed] = await this.db.$queryRaw<{ loggedInAt: Date }[]>`
      DELETE FROM "auth"."SubSession" WHERE "subIotId" = ${subIotId} AND "gatewayClientId" = ${gatewayClientId}
      RETURNING "loggedInAt"`;
    return closed?.loggedInAt;
  }

  /** The session of the sub-device `productKey/deviceName`, with its gateway, if it has one. */
  async sessionOf(productKey: string, deviceName: string): Promise<SubSessionRow | undefined> {
    const [row] = await this.db.$queryRaw<SubSessionRow[]>`
      ${SESSION_SELECT} WHERE sub."productKey" = ${productKey} AND sub."deviceName" = ${deviceName}`;
    return row;
  }

  /** The sessions living on one gateway connection. */
  sessionsOn(gatewayClientId: string): Promise<SubSessionRow[]> {
    return this.db.$queryRaw<SubSessionRow[]>`
      ${SESSION_SELECT} WHERE s."gatewayClientId" = ${gatewayClientId} ORDER BY s."loggedInAt"`;
  }

  /** Closes the sessions that lived on a gateway connection that is gone; how many there were. */
  async closeSessionsOn(gatewayClientId: string): Promise<number> {
    const { count } = await this.db.subSession.deleteMany({ where: { gatewayClientId } });
    return count;
  }

  countRecentLogins(subIotId: string, since: Date): Promise<number> {
    return this.db.subLogin.count({ where: { subIotId, at: { gte: since } } });
  }

  async upsertTags(iotId: string, tags: { key: string; value: string }[]): Promise<void> {
    await this.db.$transaction(
      tags.map((t) =>
        this.db.deviceTag.upsert({
          where: { iotId_key: { iotId, key: t.key } },
          create: { iotId, key: t.key, value: t.value },
          update: { value: t.value, updatedAt: new Date() },
        }),
      ),
    );
  }

  async deleteTags(iotId: string, keys: string[]): Promise<void> {
    await this.db.deviceTag.deleteMany({ where: { iotId, key: { in: keys } } });
  }

  async tagsOf(iotId: string): Promise<Record<string, string>> {
    const rows = await this.db.deviceTag.findMany({ where: { iotId }, orderBy: { key: 'asc' } });
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  /** What a deleted device leaves behind: its topology (either side), sessions and tags. */
  async forget(iotId: string): Promise<void> {
    await this.db.$transaction([
      this.db.topology.deleteMany({ where: { OR: [{ subIotId: iotId }, { gatewayIotId: iotId }] } }),
      this.db.subSession.deleteMany({ where: { OR: [{ subIotId: iotId }, { gatewayIotId: iotId }] } }),
      this.db.subLogin.deleteMany({ where: { subIotId: iotId } }),
      this.db.deviceTag.deleteMany({ where: { iotId } }),
    ]);
  }
}
