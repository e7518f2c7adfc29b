/**
 * The key a client is rate-limited by. The connection's address, unless the operator names a
 * header set by a proxy they trust (`clientAddressHeader`). A client reaching us directly could
 * write that header itself, so it is only read when configured.
 *
 * `X-Forwarded-For` lists every hop; each proxy appends the address it saw, so the last entry is
 * the one our trusted proxy wrote, and the only one a client cannot forge.
 */
export function clientKey(header: string | undefined, headerValue: string | undefined, remoteAddress: string | undefined): string | undefined {
  if (header !== undefined) {
    const value = headerValue?.trim();
    if (value) {
      if (header !== 'x-forwarded-for') return value.slice(0, 64);
      const last = value.slice(value.lastIndexOf(',') + 1).trim();
      if (last !== '') return last.slice(0, 64);
    }
  }
  // Undefined when the runtime cannot tell (a Web handler given no clientAddress): see proxy-core.ts.
  return remoteAddress === '' ? undefined : remoteAddress;
}
