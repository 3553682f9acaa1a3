import { Inject, Injectable } from '@nestjs/common';
import type { CampaignStatus } from '@iot/contracts';
import { OTA_DB, type OtaDb } from '../database/ota-db';
import type { Campaign } from '../generated/prisma/client';

export type NewCampaign = Omit<Campaign, 'createdAt' | 'finishedAt' | 'statusReason' | 'stageIndex' | 'populatePage'>;

/** Campaigns; every change of a running campaign is conditional on it still running. */
@Injectable()
export class CampaignRepository {
  constructor(@Inject(OTA_DB) private readonly db: OtaDb) {}

  create(data: NewCampaign): Promise<Campaign> {
    return this.db.campaign.create({ data });
  }

  find(id: string): Promise<Campaign | null> {
    return this.db.campaign.findUnique({ where: { id } });
  }

  async list(
    filter: { productKey?: string; status?: CampaignStatus },
    page: number,
    pageSize: number,
  ): Promise<{ items: Campaign[]; total: number }> {
    const where = {
      ...(filter.productKey ? { productKey: filter.productKey } : {}),
      ...(filter.status ? { status: filter.status } : {}),
    };
    const [items, total] = await this.db.$transaction([
      this.db.campaign.findMany({
        where,
        orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
        skip: (page - 1) * pageSize,
        take: pageSize,
      }),
      this.db.campaign.count({ where }),
    ]);
    return { items, total };
  }

  running(): Promise<Campaign[]> {
    return this.db.campaign.findMany({ where: { status: 'RUNNING' }, orderBy: { createdAt: 'asc' } });
  }

  /** Running dynamic campaigns of a product, oldest first (the first that matches takes a device). */
  runningDynamic(productKey: string): Promise<Campaign[]> {
    return this.db.campaign.findMany({
      where: { productKey, status: 'RUNNING', dynamic: true },
      orderBy: { createdAt: 'asc' },
    });
  }

  async runningWithFirmware(firmwareId: string): Promise<number> {
    return this.db.campaign.count({ where: { firmwareId, status: 'RUNNING' } });
  }

  /** RUNNING → `status`; false when the campaign had already ended. */
  async finish(id: string, status: Exclude<CampaignStatus, 'RUNNING'>, reason: string | null): Promise<boolean> {
    const { count } = await this.db.campaign.updateMany({
      where: { id, status: 'RUNNING' },
      data: { status, statusReason: reason, finishedAt: new Date() },
    });
    return count === 1;
  }

  async advanceStage(id: string, from: number, to: number): Promise<boolean> {
    const { count } = await this.db.campaign.updateMany({
      where: { id, status: 'RUNNING', stageIndex: from },
      data: { stageIndex: to },
    });
    return count === 1;
  }

  /** Records how far the initial device set has been read. */
  async populated(id: string, fromPage: number, nextPage: number, done: boolean): Promise<boolean> {
    const { count } = await this.db.campaign.updateMany({
      where: { id, status: 'RUNNING', populatePage: fromPage },
      data: { populatePage: nextPage, populated: done },
    });
    return count === 1;
  }

  /**
   * Runs `task` only where no other process runs it at the same moment (a transaction-scoped advisory lock):
   * rollout budgets are counted by one scheduler at a time, however many replicas run. False when busy.
   */
  async exclusively(lockKey: number, timeoutMs: number, task: () => Promise<void>): Promise<boolean> {
    return this.db.$transaction(
      async (tx) => {
        const [row] = await tx.$queryRaw<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(${BigInt(lockKey)}::bigint) AS locked`;
        if (!row?.locked) return false;
        await task();
        return true;
      },
      { timeout: timeoutMs, maxWait: timeoutMs },
    );
  }
}
