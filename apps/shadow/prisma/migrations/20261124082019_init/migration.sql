-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "shadow";

-- CreateTable
CREATE TABLE "Shadow" (
    "productKey" TEXT NOT NULL,
    "deviceName" TEXT NOT NULL,
    "document" JSONB NOT NULL,
    "version" BIGINT NOT NULL DEFAULT 0,
    "clockVersion" BIGINT,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Shadow_pkey" PRIMARY KEY ("productKey","deviceName")
);

-- CreateTable
CREATE TABLE "AppliedMessage" (
    "messageId" TEXT NOT NULL,
    "appliedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AppliedMessage_pkey" PRIMARY KEY ("messageId")
);

-- CreateTable
CREATE TABLE "ShadowSettings" (
    "productKey" TEXT NOT NULL,
    "pushControlOnConnect" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "ShadowSettings_pkey" PRIMARY KEY ("productKey")
);

-- CreateIndex
CREATE INDEX "AppliedMessage_appliedAt_idx" ON "AppliedMessage"("appliedAt");
