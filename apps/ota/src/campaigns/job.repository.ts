import { Inject, Injectable } from '@nestjs/common';
import type { CampaignDeviceView, OtaJobStatus } from '@iot/contracts';
import { OTA_CONFIG, type OtaConfig } from '../config/ota.env';
import { OTA_DB, type OtaDb } from '../database/ota-db';
import type { CampaignDevice } from '../generated/prisma/client';
import type { CampaignCounts } from './campaign-policy';
import { ACTIVE_STATUSES } from './job-state';

export type Job = CampaignDevice;
export type NewJob = Pick<Job, 'campaignId' | 'productKey' | 'deviceName' | 'status' | 'fromVersion'>;
export type JobChange = Partial<
  Pick<
    Job,
    | 'status'
    | 'progress'
    | 'attempt'
    | 'startedAt'
    | 'notifiedAt'
    | 'deadlineAt'
    | 'waitingForDevice'
    | 'errorCode'
    | 'reason'
    | 'finishedAt'
  >
>;

export interface JobCounts extends CampaignCounts {
  cancelled: number;
}

const active = { in: [...ACTIVE_STATUSES] };

/** Upgrade jobs, one per device and campaign; writes are conditional on the revision they were decided on. */
@Injectable()
export class JobRepository {
  /** Sweeps see only the jobs of this platform's running campaigns. */
  private readonly ours: { namespace: string; status: 'RUNNING' };

  constructor(
    @Inject(OTA_DB) private readonly db: OtaDb,
    @Inject(OTA_CONFIG) config: OtaConfig,
  ) {
    this.ours = { namespace: config.BUS_NAMESPACE, status: 'RUNNING' };
  }

  async createMany(jobs: NewJob[]): Promise<number> {
    if (jobs.length === 0) return 0;
    const { count } = await this.db.campaignDevice.createMany({ data: jobs, skipDuplicates: true });
    return count;
  }

  find(campaignId: string, deviceName: string): Promise<Job | null> {
    return this.db.campaignDevice.findUnique({ where: { campaignId_deviceName: { campaignId, deviceName } } });
  }

  /** The device's unfinished job (a device is in at most one campaign at a time). */
  activeOf(productKey: string, deviceName: string): Promise<Job | null> {
    return this.db.campaignDevice.findFirst({
      where: { productKey, deviceName, status: active },
      orderBy: { createdAt: 'desc' },
    });
  }

  /**
   * Whether each device has an unfinished job, for many devices of any products in one statement (raw SQL:
   * in a reconnect storm every connection event asks, and nearly every answer is no).
   */
  async hasActiveJob(keys: readonly { productKey: string; deviceName: string }[]): Promise<boolean[]> {
    if (keys.length === 0) return [];
    const rows = await this.db.$queryRaw<{ i: number }[]>`
      SELECT k.i::int AS i
      FROM unnest(${keys.map((k) => k.productKey)}::text[], ${keys.map((k) => k.deviceName)}::text[])
        WITH ORDINALITY AS k(pk, dn, i)
      WHERE EXISTS (SELECT 1 FROM "ota"."CampaignDevice" j
        WHERE j."productKey" = k.pk AND j."deviceName" = k.dn AND j."status" = ANY(${[...ACTIVE_STATUSES]}::text[]))`;
    const found = keys.map(() => false);
    for (const { i } of rows) found[i - 1] = true;
    return found;
  }

  /** Of `names`, those with an unfinished job in any campaign. */
  async withActiveJob(productKey: string, names: string[]): Promise<Set<string>> {
    if (names.length === 0) return new Set();
    const rows = await this.db.campaignDevice.findMany({
      where: { productKey, deviceName: { in: names }, status: active },
      select: { deviceName: true },
    });
    return new Set(rows.map((r) => r.deviceName));
  }

  /** Applies `change` if nobody wrote the job since it was read; the new row, or undefined. */
  async update(job: Job, change: JobChange): Promise<Job | undefined> {
    const { count } = await this.db.campaignDevice.updateMany({
      where: { campaignId: job.campaignId, deviceName: job.deviceName, revision: job.revision },
      data: { ...change, revision: { increment: 1 } },
    });
    return count === 1 ? ((await this.find(job.campaignId, job.deviceName)) ?? undefined) : undefined;
  }

  async counts(campaignId: string, now: Date): Promise<JobCounts> {
    const since = new Date(now.getTime() - 60_000);
    const rows = await this.db.$queryRaw<{ status: OtaJobStatus; started: boolean; n: number; recent: number }[]>`
      SELECT "status", ("startedAt" IS NOT NULL) AS "started", COUNT(*)::int AS "n",
        (COUNT(*) FILTER (WHERE "startedAt" > ${since}))::int AS "recent"
      FROM "ota"."CampaignDevice" WHERE "campaignId" = ${campaignId} GROUP BY 1, 2`;
    const c: JobCounts = {
      total: 0,
      pending: 0,
      inProgress: 0,
      succeeded: 0,
      failed: 0,
      timedOut: 0,
      cancelled: 0,
      started: 0,
      startedLastMinute: 0,
      startedActive: 0,
      unstarted: 0,
    };
    const key: Record<OtaJobStatus, keyof JobCounts> = {
      PENDING: 'pending',
      IN_PROGRESS: 'inProgress',
      SUCCEEDED: 'succeeded',
      FAILED: 'failed',
      TIMED_OUT: 'timedOut',
      CANCELLED: 'cancelled',
    };
    for (const r of rows) {
      c.total += r.n;
      c[key[r.status]] += r.n;
      if (r.started) {
        c.started += r.n;
        c.startedLastMinute += r.recent;
        if (ACTIVE_STATUSES.includes(r.status)) c.startedActive += r.n;
      } else if (r.status === 'PENDING') c.unstarted += r.n;
    }
    return c;
  }

  async page(
    campaignId: string,
    status: OtaJobStatus | undefined,
    page: number,
    pageSize: number,
  ): Promise<{ items: Job[]; total: number }> {
    const where = { campaignId, ...(status ? { status } : {}) };
    const [items, total] = await this.db.$transaction([
      this.db.campaignDevice.findMany({
        where,
        orderBy: [{ createdAt: 'asc' }, { deviceName: 'asc' }],
        skip: (page - 1) * pageSize,
        take: pageSize,
      }),
      this.db.campaignDevice.count({ where }),
    ]);
    return { items, total };
  }

  /** Jobs waiting for their turn whose device was not found absent, in the order they joined. */
  startable(campaignId: string, limit: number): Promise<Job[]> {
    return this.db.campaignDevice.findMany({
      where: { campaignId, status: 'PENDING', startedAt: null, waitingForDevice: false },
      orderBy: [{ createdAt: 'asc' }, { deviceName: 'asc' }],
      take: limit,
    });
  }

  /** Started jobs whose current attempt still has to reach the device (a retry, or a send that failed). */
  resendable(limit: number): Promise<Job[]> {
    return this.db.campaignDevice.findMany({
      where: {
        status: 'PENDING',
        startedAt: { not: null },
        notifiedAt: null,
        waitingForDevice: false,
        campaign: this.ours,
      },
      orderBy: { updatedAt: 'asc' },
      take: limit,
    });
  }

  /** Unfinished jobs past their deadline. */
  overdue(now: Date, limit: number): Promise<Job[]> {
    return this.db.campaignDevice.findMany({
      where: { status: active, deadlineAt: { lt: now }, campaign: this.ours },
      orderBy: { deadlineAt: 'asc' },
      take: limit,
    });
  }
}

export function toCampaignDeviceView(j: Job, currentVersion: string | null): CampaignDeviceView {
  return {
    campaignId: j.campaignId,
    productKey: j.productKey,
    deviceName: j.deviceName,
    status: j.status as OtaJobStatus,
    fromVersion: j.fromVersion,
    currentVersion,
    progress: j.progress,
    attempts: j.attempt,
    errorCode: j.errorCode,
    reason: j.reason,
    startedAt: j.startedAt?.toISOString() ?? null,
    finishedAt: j.finishedAt?.toISOString() ?? null,
    updatedAt: j.updatedAt.toISOString(),
  };
}
