export { loadConfig, consoleSignInConfig, ConfigError, type ConsoleSignIn, type PlatformConfig, type StoreConfig, type BusConfig, type KafkaSecurity } from './config';
export { createLogger, NestPinoLogger } from './logging';
export { composeTarget, PLATFORM_CONFIG, type Component } from './target';
export { kafkaConnection } from './kafka-connection';
export { runTarget, main, StartupError, type RunningTarget } from './bootstrap';
export { HealthController, type Dependency } from './health/health.controller';
export { Caller, RequireRole, TokenGuard } from './auth/auth';
export { AccessDenials, type DeniedAttempt } from './access/access-denials';
export { AccessReads, type ServedRead } from './access/access-reads';
