import { Counter, Gauge, Histogram } from './prometheus.js';
import { REQUEST_REJECT_REASONS, type RequestRejectReason } from './refusal.js';
import { ENTRY_REJECT_REASONS, type EntryRejectReason } from './rejections.js';

/** The routes requests are counted under: a fixed set, whatever path a client asks for. */
export type Route = 'push' | 'preflight' | 'ready' | 'metrics' | 'other';

/** Everything `/metrics` shows. Every refused request and every refused entry is counted here, by reason. */
export interface ProxyMetrics {
  readonly requests: Counter;
  readonly requestsRejected: Counter;
  readonly entriesAccepted: Counter;
  readonly entriesRejected: Counter;
  readonly entriesClamped: Counter;
  readonly bytesReceived: Counter;
  readonly bytesDecompressed: Counter;
  readonly bytesSent: Counter;
  readonly upstreamRequests: Counter;
  readonly upstreamDuration: Histogram;
  readonly dedupHits: Counter;
  readonly rateLimited: Counter;
  render(): string;
}

export interface MetricGauges {
  inFlight: () => number;
  dedupIds: () => number;
  trackedClients: () => number;
  bufferedBytes: () => number;
}

export function createProxyMetrics(gauges: MetricGauges): ProxyMetrics {
  const metrics = {
    requests: new Counter('cloudlog_proxy_requests_total', 'HTTP requests answered, by route and status.', []),
    requestsRejected: new Counter(
      'cloudlog_proxy_requests_rejected_total',
      'Requests refused as a whole by the proxy, by reason.',
      REQUEST_REJECT_REASONS.map((reason) => ({ reason })),
    ),
    entriesAccepted: new Counter('cloudlog_proxy_entries_accepted_total', 'Entries the target (Loki or the local sink) stored.'),
    entriesRejected: new Counter(
      'cloudlog_proxy_entries_rejected_total',
      'Entries refused, by reason (by the proxy, or by Loki: upstream_*). Entries of requests refused as a whole are not counted here.',
      ENTRY_REJECT_REASONS.map((reason) => ({ reason })),
    ),
    entriesClamped: new Counter('cloudlog_proxy_entries_clamped_total', 'Entries whose timestamps were moved back because the client clock ran ahead.'),
    bytesReceived: new Counter('cloudlog_proxy_received_bytes_total', 'Push request body bytes received, as sent (compressed or not).'),
    bytesDecompressed: new Counter('cloudlog_proxy_decompressed_bytes_total', 'Push request body bytes after gunzip.'),
    bytesSent: new Counter('cloudlog_proxy_upstream_sent_bytes_total', 'Push body bytes sent to Loki (gzip).'),
    upstreamRequests: new Counter('cloudlog_proxy_upstream_requests_total', 'Pushes to the target, by outcome: the status Loki answered, timeout or error.', []),
    upstreamDuration: new Histogram(
      'cloudlog_proxy_upstream_duration_seconds',
      'Time for the target to answer a push (encoding excluded).',
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    ),
    dedupHits: new Counter('cloudlog_proxy_dedup_hits_total', 'Pushes answered 204 without forwarding: their batch id was already accepted (or in flight).'),
    rateLimited: new Counter('cloudlog_proxy_rate_limited_total', 'Pushes answered 429 by the per-client rate limiter.'),
  };
  const gaugeList = [
    new Gauge('cloudlog_proxy_in_flight_requests', 'Push requests being processed now.', gauges.inFlight),
    new Gauge('cloudlog_proxy_buffered_bytes', 'Request body bytes held by requests in progress.', gauges.bufferedBytes),
    new Gauge('cloudlog_proxy_dedup_batch_ids', 'Batch ids remembered by the dedup window.', gauges.dedupIds),
    new Gauge('cloudlog_proxy_rate_limit_clients', 'Clients tracked by the rate limiter.', gauges.trackedClients),
  ];
  return {
    ...metrics,
    render() {
      return [...Object.values(metrics), ...gaugeList].map((metric) => metric.render()).join('');
    },
  };
}

export function countRequestRejected(metrics: ProxyMetrics, reason: RequestRejectReason): void {
  metrics.requestsRejected.inc({ reason });
  if (reason === 'rate_limited') metrics.rateLimited.inc();
}

export function countEntriesRejected(metrics: ProxyMetrics, byReason: ReadonlyMap<EntryRejectReason, number>): void {
  for (const [reason, count] of byReason) metrics.entriesRejected.inc({ reason }, count);
}
