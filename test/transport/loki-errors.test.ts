import { describe, expect, it } from 'vitest';
import { countRejectedEntries } from '../../src/transport/loki-errors.js';

describe('countRejectedEntries', () => {
  it('reads the ingester’s own count', () => {
    const answer = "entry with timestamp 2026-11-24 07:02:56.321 +0000 UTC ignored, reason: 'entry too far behind, oldest acceptable timestamp is: 2026-11-24T08:02:56Z' for stream: {case=\"v22\"},\nuser 'fake', total ignored: 3 out of 10";
    expect(countRejectedEntries(answer, 10)).toBe(3);
  });
  it('counts the entries a distributor answer names', () => {
    expect(countRejectedEntries("entry for stream '{case=\"v16\"}' has timestamp too old: 2026-11-16T09:02:56Z", 2)).toBe(1);
  });
  it('takes a 400 that names no entry as refusing the whole batch', () => {
    expect(countRejectedEntries('loghttp.PushRequest.Streams: unmarshalerDecoder: …', 7)).toBe(7);
  });
});
