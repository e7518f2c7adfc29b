/** Why the proxy refused an entry (the `reason` of `cloudlog_proxy_entries_rejected_total`). */
export type EntryRejectReason =
  | 'label_invalid'
  | 'label_name_too_long'
  | 'label_value_too_long'
  | 'label_not_allowed'
  | 'too_many_labels'
  | 'no_labels'
  | 'line_too_long'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  /** Loki answers 204 for an empty line and stores nothing; we drop it before, and count it. */
  | 'empty_line'
  /** Loki's own 400 for entries we forwarded. */
  | 'upstream_rejected'
  /** Loki answered a 2xx that means "taken and dropped" (260). */
  | 'upstream_dropped';

export const ENTRY_REJECT_REASONS: readonly EntryRejectReason[] = [
  'label_invalid',
  'label_name_too_long',
  'label_value_too_long',
  'label_not_allowed',
  'too_many_labels',
  'no_labels',
  'line_too_long',
  'timestamp_too_old',
  'timestamp_too_new',
  'empty_line',
  'upstream_rejected',
  'upstream_dropped',
];

/** Problems named in one 400 answer, at most; the count of the rest follows. */
const MAX_MESSAGES = 10;

/**
 * The entries of one push that the proxy refused, by reason, with a message per problem for the
 * 400 answer. Counts are exact; messages are bounded.
 */
export class Rejections {
  readonly byReason = new Map<EntryRejectReason, number>();
  readonly #messages: string[] = [];
  #unshown = 0;
  /** Entries refused with a message: what a 400 reports. */
  reported = 0;

  /** Counts `count` entries under `reason`; `message` undefined drops them silently, as Loki does empty lines. */
  add(reason: EntryRejectReason, count: number, message: string | undefined): void {
    if (count <= 0) return;
    this.byReason.set(reason, (this.byReason.get(reason) ?? 0) + count);
    if (message === undefined) return;
    this.reported += count;
    if (this.#messages.length < MAX_MESSAGES) this.#messages.push(message);
    else this.#unshown++;
  }

  /** The 400 body: every problem on its own line, then Loki's count line (the SDK reads it: src/transport/loki-errors.ts). */
  describe(received: number, upstreamRejected = 0, upstreamMessage = ''): string {
    const refused = this.reported + upstreamRejected;
    let text = `cloudlog-proxy: ${refused} of ${received} entries refused\n`;
    for (const message of this.#messages) text += `${message}\n`;
    if (this.#unshown > 0) text += `… and ${this.#unshown} more problems\n`;
    if (upstreamMessage !== '') text += `Loki: ${upstreamMessage.trim()}\n`;
    return `${text}total ignored: ${refused} out of ${received}`;
  }
}
