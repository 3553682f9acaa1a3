-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "auth";

-- CreateEnum
CREATE TYPE "NodeType" AS ENUM ('device', 'gateway');

-- CreateEnum
CREATE TYPE "DeviceStatus" AS ENUM ('inactive', 'online', 'offline');

-- CreateTable
CREATE TABLE "Product" (
    "productKey" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "nodeType" "NodeType" NOT NULL DEFAULT 'device',
    "dynamicRegistration" BOOLEAN NOT NULL DEFAULT false,
    "secretCipher" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Product_pkey" PRIMARY KEY ("productKey")
);

-- CreateTable
CREATE TABLE "Device" (
    "iotId" TEXT NOT NULL,
    "productKey" TEXT NOT NULL,
    "deviceName" TEXT NOT NULL,
    "secretCipher" TEXT NOT NULL,
    "status" "DeviceStatus" NOT NULL DEFAULT 'inactive',
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "activatedAt" TIMESTAMP(3),
    "lastOnlineAt" TIMESTAMP(3),
    "ip" TEXT,
    "firmwareVersion" TEXT,
    "clientId" TEXT,
    "connectedAt" BIGINT,

    CONSTRAINT "Device_pkey" PRIMARY KEY ("iotId")
);

-- CreateTable
CREATE TABLE "DeviceToken" (
    "tokenHash" TEXT NOT NULL,
    "iotId" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DeviceToken_pkey" PRIMARY KEY ("tokenHash")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "keyHash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Device_productKey_status_idx" ON "Device"("productKey", "status");

-- CreateIndex
CREATE UNIQUE INDEX "Device_productKey_deviceName_key" ON "Device"("productKey", "deviceName");

-- CreateIndex
CREATE INDEX "DeviceToken_iotId_idx" ON "DeviceToken"("iotId");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_keyHash_key" ON "ApiKey"("keyHash");

-- AddForeignKey
ALTER TABLE "Device" ADD CONSTRAINT "Device_productKey_fkey" FOREIGN KEY ("productKey") REFERENCES "Product"("productKey") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeviceToken" ADD CONSTRAINT "DeviceToken_iotId_fkey" FOREIGN KEY ("iotId") REFERENCES "Device"("iotId") ON DELETE CASCADE ON UPDATE CASCADE;
