import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import {
  AuthRpc,
  CAMPAIGN_STATUSES,
  DomainError,
  ErrorCode,
  OTA_JOB_STATUSES,
  OtaEvents,
  type CampaignDeviceView,
  type CampaignStatistics,
  type CampaignStatus,
  type CampaignView,
  type CreateCampaignRequest,
  type OtaJobStatus,
  type OtaSignMethod,
  type Page,
  type PageRequest,
} from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { DeviceVersionRepository } from '../devices/device-version.repository';
import { FirmwareService, paging } from '../firmware/firmware.service';
import type { Campaign } from '../generated/prisma/client';
import { campaignSettings, failureRatePercent } from './campaign-policy';
import { CampaignRepository } from './campaign.repository';
import { JobRepository, toCampaignDeviceView, type JobCounts } from './job.repository';

/** Devices read per page when a campaign collects its devices. */
export const POPULATE_PAGE_SIZE = 200;

/**
 * Campaigns as operators see them: creation (settings checked, the device set collected page by page),
 * statistics, per-device state, cancellation. How devices move through a campaign is rollout/.
 */
@Injectable()
export class CampaignsService {
  private readonly logger = new Logger(CampaignsService.name);

  constructor(
    @Inject(CampaignRepository) private readonly campaigns: CampaignRepository,
    @Inject(JobRepository) private readonly jobs: JobRepository,
    @Inject(DeviceVersionRepository) private readonly versions: DeviceVersionRepository,
    @Inject(FirmwareService) private readonly firmware: FirmwareService,
    @Inject(Bus) private readonly bus: Bus,
  ) {}

  async create(r: CreateCampaignRequest): Promise<CampaignView> {
    const checked = campaignSettings(r);
    if (!checked.ok) throw invalid(checked.message);
    const s = checked.value;
    const firmware = await this.firmware.require(r.firmwareId);
    const productKey = firmware.productKey;
    if (s.selection === 'devices') {
      for (let i = 0; i < s.deviceNames.length; i += 20) {
        const names = s.deviceNames.slice(i, i + 20);
        await Promise.all(names.map((deviceName) => this.bus.request(AuthRpc.getDevice, { productKey, deviceName })));
      }
      const busy = await this.jobs.withActiveJob(productKey, s.deviceNames);
      if (busy.size) throw invalid(`deviceNames: ${[...busy].slice(0, 5).join(', ')} already in a running campaign`);
    }
    let campaign = await this.campaigns.create({
      id: `cmp_${randomBytes(8).toString('hex')}`,
      name: s.name ?? `upgrade to ${firmware.version}`,
      productKey,
      firmwareId: firmware.id,
      targetVersion: firmware.version,
      selection: s.selection,
      deviceNames: s.deviceNames,
      versions: s.versions,
      dynamic: s.dynamic,
      rolloutRate: s.rolloutRate,
      timeoutSeconds: s.timeoutSeconds,
      retries: s.retries,
      signMethod: s.signMethod,
      stages: s.stages,
      failureThresholdPercent: s.failureThresholdPercent,
      populated: false,
      status: 'RUNNING',
    });
    // Small device sets are complete in the answer; the scheduler reads the rest of a large one, or all of it
    // when apps/auth does not answer now (the campaign exists: failing here would invite a duplicate).
    try {
      campaign = await this.populate(campaign, 5);
    } catch (error) {
      this.logger.warn(`campaign ${campaign.id}: devices to be collected by the scheduler (${String(error)})`);
    }
    return this.view(campaign);
  }

  async get(id: string): Promise<CampaignView> {
    return this.view(await this.require(id));
  }

  async list(r: PageRequest & { productKey?: string; status?: CampaignStatus }): Promise<Page<CampaignView>> {
    const { page, pageSize } = paging(r);
    if (r.status !== undefined && !CAMPAIGN_STATUSES.includes(r.status))
      throw invalid(`status: one of ${CAMPAIGN_STATUSES.join(', ')}`);
    const { items, total } = await this.campaigns.list({ productKey: r.productKey, status: r.status }, page, pageSize);
    return { items: await Promise.all(items.map((c) => this.view(c))), page, pageSize, total };
  }

  async devices(r: PageRequest & { id: string; status?: OtaJobStatus }): Promise<Page<CampaignDeviceView>> {
    const { page, pageSize } = paging(r);
    if (r.status !== undefined && !OTA_JOB_STATUSES.includes(r.status))
      throw invalid(`status: one of ${OTA_JOB_STATUSES.join(', ')}`);
    const campaign = await this.require(r.id);
    const { items, total } = await this.jobs.page(campaign.id, r.status, page, pageSize);
    const current = await this.versions.versionsOf(
      campaign.productKey,
      items.map((j) => j.deviceName),
    );
    return {
      items: items.map((j) => toCampaignDeviceView(j, current.get(j.deviceName) ?? null)),
      page,
      pageSize,
      total,
    };
  }

  async cancel(id: string): Promise<CampaignView> {
    const campaign = await this.require(id);
    if (!(await this.end(campaign, 'CANCELLED', 'cancelled by an operator')))
      throw new DomainError(
        ErrorCode.CAMPAIGN_NOT_CANCELLABLE,
        `Campaign ${id} is ${(await this.require(id)).status}; only a RUNNING campaign can be cancelled`,
      );
    return this.get(id);
  }

  /**
   * Ends a running campaign; its unfinished jobs are cancelled (the protocol cannot stop a device mid-update:
   * what it reports later is still recorded as its version and published as progress). False when it had ended.
   */
  async end(campaign: Campaign, status: Exclude<CampaignStatus, 'RUNNING'>, reason: string | null): Promise<boolean> {
    const jobReason =
      status === 'COMPLETED' ? undefined : status === 'ABORTED' ? `campaign aborted: ${reason}` : 'campaign cancelled';
    if (!(await this.campaigns.finish(campaign.id, status, reason, jobReason))) return false;
    const statistics = statisticsOf(await this.jobs.counts(campaign.id, new Date()));
    await this.bus.publish(
      OtaEvents.campaign,
      [campaign.id],
      { campaignId: campaign.id, productKey: campaign.productKey, status, reason, statistics, at: Date.now() },
      `${campaign.id}:${status}`,
    );
    this.logger.log(`campaign ${campaign.id} ${status}${reason ? `: ${reason}` : ''}`);
    return true;
  }

  /**
   * Collects the devices matching at the start, up to `maxPages` pages at a time: the listed names, the
   * devices on the selected versions, or every device of the product (apps/auth's list). Devices known to run
   * the target version already, or in another running campaign, are left out.
   */
  async populate(campaign: Campaign, maxPages: number): Promise<Campaign> {
    let c = campaign;
    for (let i = 0; i < maxPages && !c.populated && c.status === 'RUNNING'; i++) {
      const names = await this.namesOnPage(c, c.populatePage);
      const known = await this.versions.versionsOf(c.productKey, names);
      const busy = await this.jobs.withActiveJob(c.productKey, names);
      await this.jobs.createMany(
        names
          .filter((n) => !busy.has(n) && known.get(n) !== c.targetVersion)
          .map((deviceName) => ({
            campaignId: c.id,
            productKey: c.productKey,
            deviceName,
            status: 'PENDING',
            fromVersion: known.get(deviceName) ?? null,
          })),
      );
      const done = names.length < POPULATE_PAGE_SIZE;
      await this.campaigns.populated(c.id, c.populatePage, c.populatePage + 1, done);
      c = await this.require(c.id);
    }
    return c;
  }

  async require(id: string): Promise<Campaign> {
    const campaign = await this.campaigns.find(id);
    if (!campaign) throw new DomainError(ErrorCode.CAMPAIGN_NOT_FOUND, `Campaign ${id} not found`);
    return campaign;
  }

  private async namesOnPage(c: Campaign, page: number): Promise<string[]> {
    if (c.selection === 'devices')
      return c.deviceNames.slice((page - 1) * POPULATE_PAGE_SIZE, page * POPULATE_PAGE_SIZE);
    if (c.selection === 'versions')
      return (await this.versions.onVersions(c.productKey, c.versions, page, POPULATE_PAGE_SIZE)).map(
        (d) => d.deviceName,
      );
    const listed = await this.bus.request(AuthRpc.listDevices, {
      productKey: c.productKey,
      page,
      pageSize: POPULATE_PAGE_SIZE,
    });
    return listed.items.map((d) => d.deviceName);
  }

  private async view(c: Campaign): Promise<CampaignView> {
    return {
      id: c.id,
      name: c.name,
      productKey: c.productKey,
      firmwareId: c.firmwareId,
      targetVersion: c.targetVersion,
      selection: c.selection as CampaignView['selection'],
      deviceNames: c.deviceNames,
      versions: c.versions,
      dynamic: c.dynamic,
      rolloutRate: c.rolloutRate,
      timeoutSeconds: c.timeoutSeconds,
      retries: c.retries,
      signMethod: c.signMethod as OtaSignMethod,
      stages: c.stages,
      failureThresholdPercent: c.failureThresholdPercent,
      stage: c.stageIndex,
      status: c.status as CampaignStatus,
      statusReason: c.statusReason,
      createdAt: c.createdAt.toISOString(),
      finishedAt: c.finishedAt?.toISOString() ?? null,
      statistics: statisticsOf(await this.jobs.counts(c.id, new Date())),
    };
  }
}

export function statisticsOf(n: JobCounts): CampaignStatistics {
  return {
    total: n.total,
    pending: n.pending,
    inProgress: n.inProgress,
    succeeded: n.succeeded,
    failed: n.failed,
    timedOut: n.timedOut,
    cancelled: n.cancelled,
    started: n.started,
    failureRatePercent: failureRatePercent(n),
  };
}

const invalid = (message: string) => new DomainError(ErrorCode.VALIDATION_FAILED, message);
