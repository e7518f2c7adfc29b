/**
 * The SDK's error tree. `log.*()` never throws; these surface at setup (`ConfigError`) or in
 * `stats().lastError` and `onEvent` (everything else).
 */

/** Base class of every runtime error the SDK reports. */
export class CloudlogError extends Error {
  override name = 'CloudlogError';
}

/**
 * A bad option given to `createLogger`. It is a `TypeError` (what users catch for bad arguments),
 * thrown synchronously at setup, never while logging.
 */
export class ConfigError extends TypeError {
  override name = 'ConfigError';
}

/** The endpoint answered with a status that is not "stored". */
export class HttpError extends CloudlogError {
  override name = 'HttpError';
  readonly status: number;

  constructor(status: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
  }
}
