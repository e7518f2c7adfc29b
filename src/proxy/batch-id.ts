/** The contract with the SDK: 16–64 characters of `[A-Za-z0-9_-]`, the same on every send of a batch. */
const BATCH_ID = /^[A-Za-z0-9_-]{16,64}$/;

export const BATCH_ID_HEADER = 'x-cloudlog-batch-id';
/** Beacons cannot set headers: `navigator.sendBeacon('/loki/api/v1/push?batch=<id>', body)`. */
export const BATCH_ID_PARAM = 'batch';

/**
 * The batch id of a push: the header, else the query parameter (the header wins: it is what a
 * fetch sets on purpose). `undefined` when neither is given (a client without ids: no dedup),
 * `null` when one is given but malformed.
 */
export function readBatchId(header: string | undefined, query: string | null): string | undefined | null {
  const id = header !== undefined && header !== '' ? header : query;
  if (id === null || id === '') return undefined;
  return BATCH_ID.test(id) ? id : null;
}
