-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "ota";

-- CreateTable
CREATE TABLE "Firmware" (
    "id" TEXT NOT NULL,
    "productKey" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "description" TEXT,
    "size" BIGINT NOT NULL,
    "md5" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Firmware_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeviceVersion" (
    "productKey" TEXT NOT NULL,
    "deviceName" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "reportedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DeviceVersion_pkey" PRIMARY KEY ("productKey","deviceName")
);

-- CreateTable
CREATE TABLE "Campaign" (
    "id" TEXT NOT NULL,
    "namespace" TEXT NOT NULL DEFAULT '',
    "name" TEXT NOT NULL,
    "productKey" TEXT NOT NULL,
    "firmwareId" TEXT NOT NULL,
    "targetVersion" TEXT NOT NULL,
    "selection" TEXT NOT NULL,
    "deviceNames" TEXT[],
    "versions" TEXT[],
    "dynamic" BOOLEAN NOT NULL,
    "rolloutRate" INTEGER,
    "timeoutSeconds" INTEGER NOT NULL,
    "retries" INTEGER NOT NULL,
    "signMethod" TEXT NOT NULL,
    "stages" INTEGER[],
    "failureThresholdPercent" INTEGER NOT NULL,
    "stageIndex" INTEGER NOT NULL DEFAULT 0,
    "populated" BOOLEAN NOT NULL,
    "populatePage" INTEGER NOT NULL DEFAULT 1,
    "status" TEXT NOT NULL,
    "statusReason" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Campaign_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CampaignDevice" (
    "campaignId" TEXT NOT NULL,
    "productKey" TEXT NOT NULL,
    "deviceName" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "fromVersion" TEXT,
    "progress" INTEGER NOT NULL DEFAULT 0,
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "startedAt" TIMESTAMP(3),
    "notifiedAt" TIMESTAMP(3),
    "deadlineAt" TIMESTAMP(3),
    "waitingForDevice" BOOLEAN NOT NULL DEFAULT false,
    "errorCode" INTEGER,
    "reason" TEXT,
    "revision" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "CampaignDevice_pkey" PRIMARY KEY ("campaignId","deviceName")
);

-- CreateIndex
CREATE INDEX "Firmware_sha256_idx" ON "Firmware"("sha256");

-- CreateIndex
CREATE INDEX "Firmware_productKey_createdAt_idx" ON "Firmware"("productKey", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Firmware_productKey_version_key" ON "Firmware"("productKey", "version");

-- CreateIndex
CREATE INDEX "DeviceVersion_productKey_version_idx" ON "DeviceVersion"("productKey", "version");

-- CreateIndex
CREATE INDEX "Campaign_namespace_status_idx" ON "Campaign"("namespace", "status");

-- CreateIndex
CREATE INDEX "Campaign_productKey_createdAt_idx" ON "Campaign"("productKey", "createdAt");

-- CreateIndex
CREATE INDEX "CampaignDevice_productKey_deviceName_status_idx" ON "CampaignDevice"("productKey", "deviceName", "status");

-- CreateIndex
CREATE INDEX "CampaignDevice_campaignId_status_startedAt_idx" ON "CampaignDevice"("campaignId", "status", "startedAt");

-- CreateIndex
CREATE INDEX "CampaignDevice_status_deadlineAt_idx" ON "CampaignDevice"("status", "deadlineAt");

-- AddForeignKey
ALTER TABLE "CampaignDevice" ADD CONSTRAINT "CampaignDevice_campaignId_fkey" FOREIGN KEY ("campaignId") REFERENCES "Campaign"("id") ON DELETE CASCADE ON UPDATE CASCADE;
