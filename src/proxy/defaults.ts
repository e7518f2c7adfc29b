/** Every default of cloudlog-proxy, once. Documented on `ProxyOptions`; the CLI's `--help` prints them. */
export const PROXY_DEFAULTS = {
  pushPath: '/loki/api/v1/push',
  readyPath: '/ready',
  metricsPath: '/metrics',
  upstreamTimeoutMs: 10_000,
  // Said to clients when Loki is down or slow and did not say itself; the SDK backs off at least this long.
  retryAfterSeconds: 5,
  maxBodyBytes: 1024 * 1024,
  // Under Loki 3's 5 MiB request limit once re-encoded, and a bound on what one request can make us hold.
  maxDecompressedBytes: 4 * 1024 * 1024,
  maxStreams: 100,
  // The SDK's batches hold at most 5000 entries by default; twice that leaves room for other clients.
  maxEntries: 10_000,
  // Loki 3 `max_label_names_per_series`, `max_label_name_length`, `max_label_value_length`, `max_line_size`.
  maxLabels: 15,
  maxLabelNameLength: 1024,
  maxLabelValueLength: 2048,
  maxLineBytes: 256 * 1024,
  // Loki refuses entries older than `reject_old_samples_max_age` (168 h); an hour of margin for its clock.
  maxEntryAgeMs: 167 * 3600_000,
  // Loki refuses entries more than `creation_grace_period` (10 min) ahead of its clock; half of it is ours.
  maxFutureMs: 5 * 60_000,
  futureTimestamps: 'clamp',
  corsMaxAgeSeconds: 600,
  // A browser tab sends about one batch a second; bursts cover a reload that drains IndexedDB.
  rateLimitPerSecond: 10,
  rateLimitBurst: 50,
  maxTrackedClients: 100_000,
  dedupWindowMs: 10 * 60_000,
  dedupMaxIds: 100_000,
  readTimeoutMs: 10_000,
  maxConcurrentRequests: 64,
  // Decompressed bodies held by requests in progress, all together: the bound on the proxy's memory.
  maxBufferedBytes: 32 * 1024 * 1024,
} as const;

/** The path of Loki's push API: what the proxy serves by default, and what it posts to. */
export const LOKI_PUSH_PATH = '/loki/api/v1/push';
