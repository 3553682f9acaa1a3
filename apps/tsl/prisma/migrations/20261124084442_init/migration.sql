-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "tsl";

-- CreateTable
CREATE TABLE "ThingModel" (
    "productKey" TEXT NOT NULL,
    "model" JSONB NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ThingModel_pkey" PRIMARY KEY ("productKey")
);

-- CreateTable
CREATE TABLE "PropertyValue" (
    "productKey" TEXT NOT NULL,
    "deviceName" TEXT NOT NULL,
    "identifier" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "time" BIGINT NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PropertyValue_pkey" PRIMARY KEY ("productKey","deviceName","identifier")
);

-- CreateTable
CREATE TABLE "PropertyHistory" (
    "id" BIGSERIAL NOT NULL,
    "productKey" TEXT NOT NULL,
    "deviceName" TEXT NOT NULL,
    "identifier" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "time" BIGINT NOT NULL,

    CONSTRAINT "PropertyHistory_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EventRecord" (
    "id" BIGSERIAL NOT NULL,
    "productKey" TEXT NOT NULL,
    "deviceName" TEXT NOT NULL,
    "identifier" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "output" JSONB NOT NULL,
    "time" BIGINT NOT NULL,

    CONSTRAINT "EventRecord_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DroppedValue" (
    "id" BIGSERIAL NOT NULL,
    "productKey" TEXT NOT NULL,
    "deviceName" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "identifier" TEXT NOT NULL,
    "value" JSONB,
    "reason" TEXT NOT NULL,
    "requestId" TEXT,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DroppedValue_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Command" (
    "id" TEXT NOT NULL,
    "productKey" TEXT NOT NULL,
    "deviceName" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "identifier" TEXT,
    "topic" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "qos" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "sentAt" TIMESTAMP(3),
    "deliveredAt" TIMESTAMP(3),
    "repliedAt" TIMESTAMP(3),
    "reply" JSONB,
    "error" TEXT,

    CONSTRAINT "Command_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PropertyHistory_productKey_deviceName_identifier_time_idx" ON "PropertyHistory"("productKey", "deviceName", "identifier", "time");

-- CreateIndex
CREATE INDEX "EventRecord_productKey_deviceName_time_idx" ON "EventRecord"("productKey", "deviceName", "time");

-- CreateIndex
CREATE INDEX "DroppedValue_productKey_deviceName_at_idx" ON "DroppedValue"("productKey", "deviceName", "at");

-- CreateIndex
CREATE INDEX "Command_productKey_deviceName_status_createdAt_idx" ON "Command"("productKey", "deviceName", "status", "createdAt");

-- CreateIndex
CREATE INDEX "Command_status_expiresAt_idx" ON "Command"("status", "expiresAt");
