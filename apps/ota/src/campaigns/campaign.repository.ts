import { Inject, Injectable } from '@nestjs/common';
import type { CampaignStatus } from '@iot/contracts';
import { OTA_CONFIG, type OtaConfig } from '../config/ota.env';
import { OTA_DB, type OtaDb } from '../database/ota-db';
import type { Campaign } from '../generated/prisma/client';
import { ACTIVE_STATUSES } from './job-state';

export type NewCampaign = Omit<
  Campaign,
  'namespace' | 'createdAt' | 'finishedAt' | 'statusReason' | 'stageIndex' | 'populatePage'
>;

/**
 * Campaigns of this platform (its BUS_NAMESPACE: platforms sharing a database never roll out each other's);
 * every change of a running campaign is conditional on it still running.
 */
@Injectable()
export class CampaignRepository {
  private readonly namespace: string;

  constructor(
    @Inject(OTA_DB) private readonly db: OtaDb,
    @Inject(OTA_CONFIG) config: OtaConfig,
  ) {
    this.namespace = config.BUS_NAMESPACE;
  }

  create(data: NewCampaign): Promise<Campaign> {
    return this.db.campaign.create({ data: { ...data, namespace: this.namespace } });
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
      namespace: this.namespace,
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
    return this.db.campaign.findMany({
      where: { namespace: this.namespace, status: 'RUNNING' },
      orderBy: { createdAt: 'asc' },
    });
  }

  /** Running dynamic campaigns of a product, oldest first (the first that matches takes a device). */
  runningDynamic(productKey: string): Promise<Campaign[]> {
    return this.db.campaign.findMany({
      where: { namespace: this.namespace, productKey, status: 'RUNNING', dynamic: true },
      orderBy: { createdAt: 'asc' },
    });
  }

  async runningWithFirmware(firmwareId: string): Promise<number> {
    return this.db.campaign.count({ where: { firmwareId, status: 'RUNNING' } });
  }

  /**
   * RUNNING → `status`, and in the same transaction every unfinished job → CANCELLED with `jobReason` (when
   * given): nobody sees an ended campaign with devices still waiting. False when the campaign had already ended.
   */
  async finish(
    id: string,
    status: Exclude<CampaignStatus, 'RUNNING'>,
    reason: string | null,
    jobReason?: string,
  ): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const now = new Date();
      const { count } = await tx.campaign.updateMany({
        where: { id, status: 'RUNNING' },
        data: { status, statusReason: reason, finishedAt: now },
      });
      if (count === 1 && jobReason)
        await tx.campaignDevice.updateMany({
          where: { campaignId: id, status: { in: [...ACTIVE_STATUSES] } },
          data: {
            status: 'CANCELLED',
            reason: jobReason,
            finishedAt: now,
            waitingForDevice: false,
            revision: { increment: 1 },
          },
        });
      return count === 1;
    });
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
   * Runs `task` only where no other process of this platform runs it at the same moment (a transaction-scoped
   * advisory lock on `name` and the namespace): rollout budgets are counted by one scheduler at a time, however
   * many replicas run. False when busy.
   */
  async exclusively(name: string, timeoutMs: number, task: () => Promise<void>): Promise<boolean> {
    const key = `ota:${name}:${this.namespace}`;
    return this.db.$transaction(
      async (tx) => {
        const [row] = await tx.$queryRaw<{ locked: boolean }[]>`
          SELECT pg_try_advisory_xact_lock(hashtextextended(${key}, 0)) AS locked`;
        if (!row?.locked) return false;
        await task();
        return true;
      },
      { timeout: timeoutMs, maxWait: 10_000 },
    );
  }
}
