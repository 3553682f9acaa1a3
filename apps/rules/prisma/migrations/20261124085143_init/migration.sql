-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "rules";

-- CreateTable
CREATE TABLE "Rule" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "sql" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT false,
    "actions" JSONB NOT NULL,
    "errorAction" JSONB,
    "matched" BIGINT NOT NULL DEFAULT 0,
    "succeeded" BIGINT NOT NULL DEFAULT 0,
    "failed" BIGINT NOT NULL DEFAULT 0,
    "deadLettered" BIGINT NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Rule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeadLetter" (
    "id" TEXT NOT NULL,
    "ruleId" TEXT NOT NULL,
    "actionIndex" INTEGER,
    "action" JSONB NOT NULL,
    "error" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL,
    "output" JSONB NOT NULL,
    "topic" TEXT NOT NULL,
    "productKey" TEXT NOT NULL,
    "deviceName" TEXT NOT NULL,
    "messageId" TEXT NOT NULL,
    "receivedAt" BIGINT NOT NULL,
    "payload" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "replayedAt" TIMESTAMP(3),
    "replayCount" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "DeadLetter_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Rule_createdAt_idx" ON "Rule"("createdAt");

-- CreateIndex
CREATE INDEX "DeadLetter_ruleId_createdAt_idx" ON "DeadLetter"("ruleId", "createdAt");
