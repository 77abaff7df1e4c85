/**
 * The client's address, which sign-in throttling counts failures by. Behind reverse proxies
 * (a load balancer) the socket's peer is the nearest proxy, so each trusted proxy's entry in
 * `X-Forwarded-For` is followed back instead; without trusted proxies the header is ignored,
 * since any client can write one.
 */
import { isIP } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/**
 * The address `trustedProxyHops` hops back from the socket's peer: each proxy appends the
 * address it received the request from to `X-Forwarded-For`, so its last entry was written by
 * the nearest proxy, the one before by the next, and so on. Entries left of those are the
 * client's own to write and never read. A missing or malformed entry stops the walk there.
 */
export function resolveClientAddress(peer: string, forwardedFor: string | undefined, trustedProxyHops: number): string {
  const chain = (forwardedFor ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  let address = peer;
  for (let hop = 0; hop < trustedProxyHops; hop++) {
    const entry = chain.pop();
    if (entry === undefined || isIP(entry) === 0) break;
    address = entry;
  }
  return address;
}

/** The request's client address; `unknown` for in-process requests (tests), which have no socket and no trusted proxy. */
export function clientAddress(c: Context, trustedProxyHops: number): string {
  let peer = 'unknown';
  try {
    peer = getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // An in-process request (app.request) has no socket.
  }
  return resolveClientAddress(peer, c.req.header('x-forwarded-for'), trustedProxyHops);
}
