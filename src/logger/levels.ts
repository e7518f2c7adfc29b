/** Log levels, lowest first. The numbers follow pino so they read the same in both. */
export const LEVELS = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
} as const;

export type LevelName = keyof typeof LEVELS;

export const LEVEL_NAMES = Object.keys(LEVELS) as LevelName[];

export function isLevelName(value: unknown): value is LevelName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(LEVELS, value);
}
