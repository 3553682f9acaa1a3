-- CreateTable
CREATE TABLE "Topology" (
    "subIotId" TEXT NOT NULL,
    "gatewayIotId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Topology_pkey" PRIMARY KEY ("subIotId")
);

-- CreateTable
CREATE TABLE "SubSession" (
    "subIotId" TEXT NOT NULL,
    "gatewayIotId" TEXT NOT NULL,
    "gatewayClientId" TEXT NOT NULL,
    "cleanSession" BOOLEAN NOT NULL DEFAULT true,
    "loggedInAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SubSession_pkey" PRIMARY KEY ("subIotId")
);

-- CreateTable
CREATE TABLE "SubLogin" (
    "id" BIGSERIAL NOT NULL,
    "subIotId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SubLogin_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeviceTag" (
    "iotId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DeviceTag_pkey" PRIMARY KEY ("iotId","key")
);

-- CreateIndex
CREATE INDEX "Topology_gatewayIotId_idx" ON "Topology"("gatewayIotId");

-- CreateIndex
CREATE INDEX "SubSession_gatewayIotId_idx" ON "SubSession"("gatewayIotId");

-- CreateIndex
CREATE INDEX "SubSession_gatewayClientId_idx" ON "SubSession"("gatewayClientId");

-- CreateIndex
CREATE INDEX "SubLogin_subIotId_at_idx" ON "SubLogin"("subIotId", "at");
