import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError, ErrorCode } from '@iot/contracts';
import { evaluateCampaign, startBudget } from '../campaigns/campaign-policy';
import { CampaignRepository } from '../campaigns/campaign.repository';
import { CampaignsService } from '../campaigns/campaigns.service';
import { JobRepository } from '../campaigns/job.repository';
import type { Campaign } from '../generated/prisma/client';
import { RolloutService } from './rollout.service';

/** Bounds on one tick's work, so a tick stays short whatever the fleet. */
const MAX_STARTS_PER_TICK = 500;
const MAX_SWEEP_PER_TICK = 1_000;
const POPULATE_PAGES_PER_TICK = 10;

/**
 * The periodic part of a rollout, restart-safe because all state is in Postgres: collects campaigns' devices,
 * starts devices as rate and stage allow, times out overdue devices, re-sends messages that failed to go out,
 * and moves campaigns on (next stage, abort past the failure threshold, completion).
 */
@Injectable()
export class SchedulerService {
  private readonly logger = new Logger(SchedulerService.name);

  constructor(
    @Inject(CampaignRepository) private readonly campaigns: CampaignRepository,
    @Inject(CampaignsService) private readonly campaignsService: CampaignsService,
    @Inject(JobRepository) private readonly jobs: JobRepository,
    @Inject(RolloutService) private readonly rollout: RolloutService,
  ) {}

  /** False when another replica's scheduler holds the lock. */
  tick(): Promise<boolean> {
    return this.campaigns.exclusively('scheduler', 120_000, async () => {
      const running = new Map((await this.campaigns.running()).map((c) => [c.id, c]));
      await this.sweepTimeouts(running);
      await this.resend(running);
      for (const campaign of running.values()) {
        try {
          await this.advance(campaign);
        } catch (error) {
          if (error instanceof DomainError && error.code === ErrorCode.PRODUCT_NOT_FOUND)
            await this.campaignsService.end(campaign, 'CANCELLED', 'the product no longer exists');
          else this.logger.warn(`campaign ${campaign.id}: ${String(error)}`);
        }
      }
    });
  }

  private async sweepTimeouts(running: Map<string, Campaign>): Promise<void> {
    for (const job of await this.jobs.overdue(new Date(), MAX_SWEEP_PER_TICK)) {
      const campaign = running.get(job.campaignId);
      if (campaign) await this.rollout.timedOut(job, campaign);
    }
  }

  private async resend(running: Map<string, Campaign>): Promise<void> {
    for (const job of await this.jobs.resendable(MAX_SWEEP_PER_TICK)) {
      const campaign = running.get(job.campaignId);
      if (campaign) await this.rollout.push(job, campaign);
    }
  }

  private async advance(initial: Campaign): Promise<void> {
    const campaign = initial.populated
      ? initial
      : await this.campaignsService.populate(initial, POPULATE_PAGES_PER_TICK);
    if (!campaign.populated || campaign.status !== 'RUNNING') return;
    const counts = await this.jobs.counts(campaign.id, new Date());
    const step = evaluateCampaign(campaign, counts);
    let stageIndex = campaign.stageIndex;
    if (step.kind === 'abort') {
      await this.campaignsService.end(campaign, 'ABORTED', step.reason);
      return;
    }
    if (step.kind === 'complete') {
      await this.campaignsService.end(campaign, 'COMPLETED', null);
      return;
    }
    if (step.kind === 'advance' && (await this.campaigns.advanceStage(campaign.id, stageIndex, step.stageIndex))) {
      this.logger.log(`campaign ${campaign.id}: stage ${step.stageIndex + 1} of ${campaign.stages.length}`);
      stageIndex = step.stageIndex;
    }
    await this.start(campaign, Math.min(MAX_STARTS_PER_TICK, startBudget({ ...campaign, stageIndex }, counts)));
  }

  /** Sends the first upgrade message to up to `budget` devices; one that is not there does not use the budget. */
  private async start(campaign: Campaign, budget: number): Promise<void> {
    let started = 0;
    const tried = new Set<string>();
    while (started < budget && tried.size < MAX_STARTS_PER_TICK) {
      const candidates = (
        await this.jobs.startable(campaign.id, Math.min(budget - started, MAX_STARTS_PER_TICK) + tried.size)
      ).filter((j) => !tried.has(j.deviceName));
      // Absent devices leave the candidates; a send that failed outright stays, for the next tick.
      if (candidates.length === 0) return;
      for (const job of candidates) {
        tried.add(job.deviceName);
        const after = await this.rollout.push(job, campaign);
        if (after?.notifiedAt) started++;
        if (started >= budget) return;
      }
    }
  }
}
