/** Every default of the SDK, once. Documented on `LoggerOptions`. */
export const DEFAULTS = {
  labels: { service_name: 'unknown_service' } as Readonly<Record<string, string>>,
  level: 'info',
  format: 'json',
  maxBatchEntries: 5000,
  // ≈1 MiB: far below Loki's 6 MB ingestion burst, so a batch can always succeed.
  maxBatchBytes: 1024 * 1024,
  flushIntervalMs: 1000,
  maxQueueEntries: 20_000,
  maxQueueBytes: 8 * 1024 * 1024,
  // Loki 3 `max_line_size` is 256 KB (262144 bytes); stay a little under it.
  maxLineBytes: 256_000,
  requestTimeoutMs: 10_000,
  closeTimeoutMs: 5000,
  compression: 'gzip',
  flushOnExit: true,
  persist: true,
  maxStoredBytes: 5 * 1024 * 1024,
  maxStoredEntries: 50_000,
  // Promtail starts at 500 ms; the cap suits interactive apps (Promtail waits up to 5 min). It also
  // caps the breaker's open time: delivery resumes within it of the endpoint's recovery.
  retryBaseMs: 500,
  retryMaxMs: 20_000,
  maxRetries: Infinity,
  maxConcurrentRequests: 1,
  breakerThreshold: 5,
  breakerOpenMs: 2000,
} as const;

/** Loki 3 `max_label_names_per_series`. */
export const MAX_LABELS = 15;
/** Loki `max_label_name_length` / `max_label_value_length`. */
export const MAX_LABEL_NAME_LENGTH = 1024;
export const MAX_LABEL_VALUE_LENGTH = 2048;
