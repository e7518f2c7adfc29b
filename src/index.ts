export { createLogger } from './logger/create-logger.js';
export type { Fields, LogMethod, Logger } from './logger/create-logger.js';
export type { LevelName } from './logger/levels.js';
export type { LoggerOptions } from './options/types.js';
export type { LoggerStats } from './pipeline/stats.js';
export type { LoggerEvent } from './pipeline/events.js';
export type { DropReason } from './transport/send-result.js';
export { CloudlogError, ConfigError, HttpError } from './errors.js';
