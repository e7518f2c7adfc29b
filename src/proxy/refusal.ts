/** Why the proxy refused a whole request (the `reason` of `cloudlog_proxy_requests_rejected_total`). */
export type RequestRejectReason =
  | 'origin_not_allowed'
  | 'rate_limited'
  | 'overloaded'
  | 'shutting_down'
  | 'unsupported_media_type'
  | 'unsupported_encoding'
  | 'invalid_batch_id'
  | 'body_too_large'
  | 'decompressed_too_large'
  | 'bad_gzip'
  | 'read_timeout'
  | 'read_failed'
  | 'invalid_json'
  | 'invalid_push'
  | 'too_many_streams'
  | 'too_many_entries'
  | 'nothing_valid';

export const REQUEST_REJECT_REASONS: readonly RequestRejectReason[] = [
  'origin_not_allowed',
  'rate_limited',
  'overloaded',
  'shutting_down',
  'unsupported_media_type',
  'unsupported_encoding',
  'invalid_batch_id',
  'body_too_large',
  'decompressed_too_large',
  'bad_gzip',
  'read_timeout',
  'read_failed',
  'invalid_json',
  'invalid_push',
  'too_many_streams',
  'too_many_entries',
  'nothing_valid',
];

/** A request the proxy answers itself, without forwarding anything. */
export interface Refusal {
  status: number;
  reason: RequestRejectReason;
  /** Said to the client: what is wrong and what to do. */
  message: string;
  /** Sent as `Retry-After` (429, 503, 408). */
  retryAfterSeconds?: number;
}

export function refuse(status: number, reason: RequestRejectReason, message: string, retryAfterSeconds?: number): Refusal {
  return retryAfterSeconds === undefined ? { status, reason, message } : { status, reason, message, retryAfterSeconds };
}
