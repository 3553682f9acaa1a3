import { Inject, Injectable, Logger } from '@nestjs/common';
import { OtaEvents, type OtaJobStatus, type OtaProgressEvent } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { GroupCommit } from '@iot/runtime';
import { joinsDynamically } from '../campaigns/campaign-policy';
import { CampaignRepository } from '../campaigns/campaign.repository';
import {
  onConnection,
  onProgress,
  onTimeout,
  onVersion,
  type JobDecision,
  type JobFacts,
} from '../campaigns/job-state';
import { JobRepository, type Job } from '../campaigns/job.repository';
import type { ProgressReport } from '../devices/ota-messages';
import type { Campaign } from '../generated/prisma/client';
import { UpgradeSender } from './upgrade-sender';

/** What caused a decision, for the progress event. */
interface Trigger {
  /** Unique per cause: the uplink message id, or the job's new revision for platform-side changes. */
  eventId?: string;
  step?: number;
  desc?: string;
}

const ATTEMPTS_ON_CONFLICT = 3;

/**
 * Moves devices through their campaign (protocol.md §6.3): what they report (inform, progress), their
 * connections, and the scheduler's timeouts become job transitions (campaigns/job-state.ts decides, this
 * applies); upgrade messages go out through {@link UpgradeSender}. Every write is conditional on the job's
 * revision, so a decision taken on a stale read is taken again.
 */
@Injectable()
export class RolloutService {
  private readonly logger = new Logger(RolloutService.name);
  // Connection events of many devices share one lookup; most devices have no job, and then that is all.
  private readonly withJob = new GroupCommit<{ productKey: string; deviceName: string }, boolean>(
    (keys) => this.jobs.hasActiveJob(keys),
    { maxBatch: 500, maxConcurrent: 2 },
  );

  constructor(
    @Inject(JobRepository) private readonly jobs: JobRepository,
    @Inject(CampaignRepository) private readonly campaigns: CampaignRepository,
    @Inject(UpgradeSender) private readonly sender: UpgradeSender,
    @Inject(Bus) private readonly bus: Bus,
  ) {}

  /** `/ota/device/inform` or `/request`: success, a new attempt, the upgrade message again, or a dynamic join. */
  async versionReported(productKey: string, deviceName: string, version: string, eventId: string): Promise<void> {
    const handled = await this.decide(productKey, deviceName, { eventId }, (job, c) =>
      onVersion(facts(job), version, c.targetVersion, c.retries),
    );
    if (!handled) await this.joinDynamic(productKey, deviceName, version);
  }

  async progressReported(
    productKey: string,
    deviceName: string,
    report: ProgressReport,
    eventId: string,
  ): Promise<void> {
    const trigger = { eventId, step: report.step, desc: report.desc };
    const handled = await this.decide(productKey, deviceName, trigger, (job, c) =>
      onProgress(facts(job), report.report, report.desc, c.retries),
    );
    // No upgrade job: still an event for the rules engine.
    if (!handled)
      await this.publish(trigger, {
        productKey,
        deviceName,
        status: null,
        progress: report.step > 0 ? report.step : 0,
      });
  }

  /** The device connected or subscribed: an upgrade message it has yet to receive can go now. */
  async deviceReachable(productKey: string, deviceName: string): Promise<void> {
    if (!(await this.withJob.submit({ productKey, deviceName }))) return;
    await this.decide(productKey, deviceName, {}, (job) => onConnection(facts(job)));
  }

  /** The scheduler found the job past its deadline. */
  async timedOut(job: Job, campaign: Campaign): Promise<void> {
    await this.apply(job, campaign, onTimeout(facts(job), campaign.timeoutSeconds, campaign.retries), {});
  }

  /**
   * Sends the upgrade message. The job is marked first (notified, deadline, started, a new attempt) so a fast
   * device's progress finds it in that state; when no subscription took the message, the marks are undone and
   * the job waits for the device to inform, connect or subscribe. Undefined when the job changed meanwhile.
   */
  async push(job: Job, campaign: Campaign): Promise<Job | undefined> {
    const now = new Date();
    const marked = await this.jobs.update(job, {
      notifiedAt: now,
      deadlineAt: new Date(now.getTime() + campaign.timeoutSeconds * 1000),
      startedAt: job.startedAt ?? now,
      attempt: job.notifiedAt === null ? job.attempt + 1 : job.attempt,
      waitingForDevice: false,
    });
    if (!marked) return undefined;
    let delivered = false;
    let failed = false;
    try {
      delivered = await this.sender.send(marked, campaign, now);
    } catch (error) {
      failed = true;
      this.logger.warn(`upgrade message to ${job.productKey}/${job.deviceName} not sent: ${String(error)}`);
    }
    if (delivered) return marked;
    // A failed send is retried by the scheduler; an absent device is waited for.
    return this.jobs.update(marked, {
      notifiedAt: job.notifiedAt,
      deadlineAt: job.deadlineAt,
      startedAt: job.startedAt,
      attempt: job.attempt,
      waitingForDevice: !failed,
    });
  }

  /**
   * Applies `decide` to the device's unfinished job, reading again when another writer got there first.
   * False when the device has no unfinished job in a running campaign.
   */
  private async decide(
    productKey: string,
    deviceName: string,
    trigger: Trigger,
    decide: (job: Job, campaign: Campaign) => JobDecision,
  ): Promise<boolean> {
    for (let i = 0; i < ATTEMPTS_ON_CONFLICT; i++) {
      const job = await this.jobs.activeOf(productKey, deviceName);
      if (!job) return false;
      const campaign = await this.campaigns.find(job.campaignId);
      if (campaign?.status !== 'RUNNING') {
        // A join raced with the campaign's end: nothing may keep the device from another campaign.
        await this.jobs.update(job, { status: 'CANCELLED', reason: 'campaign ended', finishedAt: new Date() });
        return false;
      }
      if ((await this.apply(job, campaign, decide(job, campaign), trigger)) !== 'conflict') return true;
    }
    this.logger.warn(`job of ${productKey}/${deviceName} kept changing; ${trigger.eventId ?? 'event'} not applied`);
    return true;
  }

  private async apply(
    job: Job,
    campaign: Campaign,
    decision: JobDecision,
    trigger: Trigger,
  ): Promise<Job | 'conflict' | 'unchanged'> {
    const now = new Date();
    let after: Job | undefined;
    switch (decision.kind) {
      case 'none':
        if (trigger.step !== undefined) await this.publishJob(job, campaign, trigger);
        return 'unchanged';
      case 'ready':
        if (!job.waitingForDevice) return 'unchanged';
        // The scheduler starts it when rate and stage allow.
        after = await this.jobs.update(job, { waitingForDevice: false });
        break;
      case 'push':
        after = await this.push(job, campaign);
        break;
      case 'progress':
        after = await this.jobs.update(job, { status: 'IN_PROGRESS', progress: decision.percent });
        break;
      case 'succeed':
        after = await this.jobs.update(job, {
          status: 'SUCCEEDED',
          progress: 100,
          errorCode: null,
          reason: null,
          waitingForDevice: false,
          finishedAt: now,
        });
        break;
      case 'finish':
        after = await this.jobs.update(job, {
          status: decision.status,
          errorCode: decision.errorCode,
          reason: decision.reason,
          finishedAt: now,
        });
        break;
      case 'retry':
        after = await this.jobs.update(job, {
          status: 'PENDING',
          progress: 0,
          notifiedAt: null,
          deadlineAt: null,
          errorCode: decision.errorCode,
          reason: decision.reason,
          waitingForDevice: false,
        });
        if (after) {
          await this.publishJob(after, campaign, trigger);
          await this.push(after, campaign);
          return after;
        }
        break;
    }
    if (!after) return 'conflict';
    if (trigger.step !== undefined || after.status !== job.status) await this.publishJob(after, campaign, trigger);
    return after;
  }

  /** A device with no unfinished job joins the first running dynamic campaign it matches (if it never was in it). */
  private async joinDynamic(productKey: string, deviceName: string, version: string): Promise<void> {
    for (const c of await this.campaigns.runningDynamic(productKey)) {
      if (!joinsDynamically(c, version) || (await this.jobs.find(c.id, deviceName))) continue;
      await this.jobs.createMany([
        { campaignId: c.id, productKey, deviceName, status: 'PENDING', fromVersion: version },
      ]);
      this.logger.debug(`${productKey}/${deviceName} on ${version} joined campaign ${c.id}`);
      return;
    }
  }

  private publishJob(job: Job, campaign: Campaign, trigger: Trigger): Promise<void> {
    return this.publish(trigger, {
      productKey: job.productKey,
      deviceName: job.deviceName,
      campaignId: campaign.id,
      firmwareId: campaign.firmwareId,
      targetVersion: campaign.targetVersion,
      status: job.status as OtaJobStatus,
      progress: job.progress,
      ...(job.reason && job.status !== 'SUCCEEDED' ? { reason: job.reason } : {}),
      eventKey: `${job.campaignId}:${job.deviceName}:${job.revision}`,
    });
  }

  private async publish(
    trigger: Trigger,
    e: Pick<OtaProgressEvent, 'productKey' | 'deviceName' | 'status' | 'progress'> &
      Partial<OtaProgressEvent> & { eventKey?: string },
  ): Promise<void> {
    const { eventKey, ...fields } = e;
    const event: OtaProgressEvent = {
      campaignId: null,
      firmwareId: null,
      targetVersion: null,
      ...fields,
      ...(trigger.step !== undefined ? { step: trigger.step } : {}),
      ...(trigger.desc !== undefined ? { desc: trigger.desc } : {}),
      at: Date.now(),
    };
    const id = trigger.eventId ? `${trigger.eventId}:progress` : eventKey;
    await this.bus.publish(OtaEvents.progress, [e.productKey, e.deviceName], event, id);
  }
}

function facts(job: Job): JobFacts {
  return {
    status: job.status as OtaJobStatus,
    attempt: job.attempt,
    started: job.startedAt !== null,
    notified: job.notifiedAt !== null,
  };
}
