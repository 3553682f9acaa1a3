import { Inject, Injectable } from '@nestjs/common';
import { AUTH_DB, type AuthDb } from '../database/database.module';
import type { DeviceWithProduct } from '../devices/device.repository';

@Injectable()
export class TokenRepository {
  constructor(@Inject(AUTH_DB) private readonly db: AuthDb) {}

  async issue(iotId: string, tokenHash: string, expiresAt: Date): Promise<void> {
    await this.db.$transaction([
      // Expired tokens of this device are cleared as new ones are issued, so the table does not grow without bound.
      this.db.deviceToken.deleteMany({ where: { iotId, expiresAt: { lt: new Date() } } }),
      this.db.deviceToken.create({ data: { tokenHash, iotId, expiresAt } }),
    ]);
  }

  /** The device a live token belongs to, and when the token expires. */
  async findDevice(
    iotId: string,
    tokenHash: string,
    now: Date,
  ): Promise<{ device: DeviceWithProduct; expiresAt: Date } | undefined> {
    const token = await this.db.deviceToken.findUnique({
      where: { tokenHash },
      include: { device: { include: { product: { select: { nodeType: true } } } } },
    });
    if (!token || token.iotId !== iotId || token.expiresAt <= now) return undefined;
    return { device: token.device, expiresAt: token.expiresAt };
  }
}
