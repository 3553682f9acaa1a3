-- CreateTable
CREATE TABLE "ProductConfig" (
    "productKey" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "configId" TEXT NOT NULL,
    "content" BYTEA NOT NULL,
    "sha256" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProductConfig_pkey" PRIMARY KEY ("productKey","kind")
);
