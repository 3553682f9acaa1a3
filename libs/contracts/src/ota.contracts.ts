import type { Page } from './auth.contracts';
import { event, rpc, type StreamSpec } from './bus';

/**
 * OTA events from apps/ota (protocol.md §6): versions devices report, per-device upgrade progress and
 * campaign status changes, for apps/auth (Device.firmwareVersion) and the rules engine.
 */
export const OTA_STREAM: StreamSpec = {
  name: 'OTA_EVENTS',
  // Events only: never a prefix of a request subject (ota.v1.<rpc> must stay outside the stream).
  subjects: ['ota.v1.events.>'],
  maxAgeSeconds: 7 * 24 * 3600,
  duplicateWindowSeconds: 120,
};

/** A firmware image as stored: content-addressed by its SHA-256. */
export interface FirmwareView {
  id: string;
  productKey: string;
  name: string;
  version: string;
  description: string | null;
  /** Bytes. */
  size: number;
  /** Hex digests of the whole file. */
  md5: string;
  sha256: string;
  createdAt: string;
}

/** Upload metadata (the bytes travel over HTTP, apps/api → apps/ota, never over NATS). */
export interface FirmwareUploadQuery {
  productKey: string;
  version: string;
  name?: string;
  description?: string;
  /** When given, the upload is refused unless the received bytes have this digest. */
  md5?: string;
  sha256?: string;
}

export type CampaignSelection = 'all' | 'devices' | 'versions';
export const CAMPAIGN_STATUSES = ['RUNNING', 'COMPLETED', 'CANCELLED', 'ABORTED'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
/** The `signMethod` of the upgrade message (protocol.md §6.2). */
export type OtaSignMethod = 'Md5' | 'SHA256';
/**
 * One device's upgrade in a campaign: PENDING (waiting for its turn or for the device) → IN_PROGRESS (first
 * progress) → SUCCEEDED (the device informs the target version) / FAILED (step −1…−4 or another version after
 * the update, retries exhausted) / TIMED_OUT / CANCELLED.
 */
export const OTA_JOB_STATUSES = ['PENDING', 'IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'CANCELLED'] as const;
export type OtaJobStatus = (typeof OTA_JOB_STATUSES)[number];

export interface CreateCampaignRequest {
  firmwareId: string;
  name?: string;
  /** all: every device of the firmware's product; devices: `deviceNames`; versions: devices on one of `versions`. */
  selection: CampaignSelection;
  deviceNames?: string[];
  versions?: string[];
  /** Also takes devices that match later (report a matching version after the start). Default false. */
  dynamic?: boolean;
  /** Devices started per minute (any 60 s window); unlimited when absent. */
  rolloutRate?: number;
  /** Seconds a device has from the upgrade message to informing the target version. Default 3600. */
  timeoutSeconds?: number;
  /** Further attempts after a failure or timeout. Default 0. */
  retries?: number;
  /** Default Md5. */
  signMethod?: OtaSignMethod;
  /** Cumulative percentages of the devices started stage by stage, ascending, ending at 100. Default [100]. */
  stages?: number[];
  /** Abort when failed + timed out exceed this percentage of the settled devices. Default 100 (never). */
  failureThresholdPercent?: number;
}

export interface CampaignStatistics {
  total: number;
  pending: number;
  inProgress: number;
  succeeded: number;
  failed: number;
  timedOut: number;
  cancelled: number;
  /** Devices that have received the upgrade message at least once. */
  started: number;
  /** failed + timed out, in percent of succeeded + failed + timed out (0 when none settled). */
  failureRatePercent: number;
}

export interface CampaignView {
  id: string;
  name: string;
  productKey: string;
  firmwareId: string;
  targetVersion: string;
  selection: CampaignSelection;
  deviceNames: string[];
  versions: string[];
  dynamic: boolean;
  rolloutRate: number | null;
  timeoutSeconds: number;
  retries: number;
  signMethod: OtaSignMethod;
  stages: number[];
  failureThresholdPercent: number;
  /** Index into `stages` of the stage being rolled out. */
  stage: number;
  status: CampaignStatus;
  /** Why the campaign ended when it did not complete (cancelled, aborted past the failure threshold). */
  statusReason: string | null;
  createdAt: string;
  finishedAt: string | null;
  statistics: CampaignStatistics;
}

export interface CampaignDeviceView {
  campaignId: string;
  productKey: string;
  deviceName: string;
  status: OtaJobStatus;
  /** Version when the device joined the campaign (null: unknown). */
  fromVersion: string | null;
  /** The version the device last reported. */
  currentVersion: string | null;
  /** 0–100, from the device's progress messages. */
  progress: number;
  /** Upgrade attempts started (1 + retries used). */
  attempts: number;
  /** The device's step −1…−4 when it reported one. */
  errorCode: number | null;
  reason: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
}

export interface PageRequest {
  page?: number;
  pageSize?: number;
}

/** A version a device reported on `/ota/device/inform` (or `/ota/device/request`). */
export interface VersionReportedEvent {
  productKey: string;
  deviceName: string;
  version: string;
  /** The version on record before, if any. */
  previousVersion: string | null;
  /** Epoch ms. */
  reportedAt: number;
}

/** A device's upgrade moved: a progress message, or a change of its job's status. */
export interface OtaProgressEvent {
  productKey: string;
  deviceName: string;
  campaignId: string | null;
  firmwareId: string | null;
  targetVersion: string | null;
  /** The job's status after this event (null: the device has no upgrade job). */
  status: OtaJobStatus | null;
  /** The step the device reported (1–100 or −1…−4), absent for platform-side changes (success, timeout). */
  step?: number;
  desc?: string;
  progress: number;
  reason?: string;
  /** Epoch ms. */
  at: number;
}

export interface CampaignStatusEvent {
  campaignId: string;
  productKey: string;
  status: CampaignStatus;
  reason: string | null;
  statistics: CampaignStatistics;
  at: number;
}

export const OtaEvents = {
  versionReported: event<VersionReportedEvent, [productKey: string, deviceName: string]>(
    OTA_STREAM,
    'ota.v1.events.version-reported',
    2,
  ),
  progress: event<OtaProgressEvent, [productKey: string, deviceName: string]>(OTA_STREAM, 'ota.v1.events.progress', 2),
  campaign: event<CampaignStatusEvent, [campaignId: string]>(OTA_STREAM, 'ota.v1.events.campaign', 1),
} as const;

export const OtaRpc = {
  listFirmware: rpc<PageRequest & { productKey?: string }, Page<FirmwareView>>('ota.v1.firmware.list'),
  getFirmware: rpc<{ id: string }, FirmwareView>('ota.v1.firmware.get'),
  deleteFirmware: rpc<{ id: string }, { deleted: true }>('ota.v1.firmware.delete'),
  createCampaign: rpc<CreateCampaignRequest, CampaignView>('ota.v1.campaigns.create'),
  listCampaigns: rpc<PageRequest & { productKey?: string; status?: CampaignStatus }, Page<CampaignView>>(
    'ota.v1.campaigns.list',
  ),
  getCampaign: rpc<{ id: string }, CampaignView>('ota.v1.campaigns.get'),
  cancelCampaign: rpc<{ id: string }, CampaignView>('ota.v1.campaigns.cancel'),
  campaignDevices: rpc<PageRequest & { id: string; status?: OtaJobStatus }, Page<CampaignDeviceView>>(
    'ota.v1.campaigns.devices',
  ),
} as const;
