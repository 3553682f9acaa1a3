export { baseEnvSchema, portSchema, loadConfig, ConfigError } from './config';
export { loggerModule, REDACTED_PATHS } from './logging';
export { HealthModule, HealthRegistry, HealthController, type ReadinessCheck } from './health';
export { runApp, type RunOptions } from './bootstrap';
export { createPrismaClient, PrismaModule, type PrismaLike } from './prisma';
export { platformModules } from './platform-modules';
export { KeyedLock } from './keyed-lock';
export { GroupCommit, type GroupCommitOptions } from './group-commit';
export { SharedSecret } from './shared-secret';
