/**
 * The recorder's HTTP API as the bench uses it: keep-alive JSON requests,
 * and a small concurrency limiter so creating or hanging up 2,000 calls does
 * not open 2,000 connections at once.
 */
import http from 'node:http';

/**
 * Idle sockets are closed after 4 s, before the recorder's keep-alive timeout
 * (Node's 5 s) closes them: a request sent on a socket the server is closing
 * at that moment fails with "socket hang up" (1 create and 1 hangup of 26,291
 * calls in a 30-minute churn run, before this).
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 64, timeout: 4_000 });

export interface JsonResponse<T = unknown> {
  status: number;
  body: T;
  ms: number;
}

export function requestJson<T = unknown>(method: string, url: string, body?: unknown, timeoutMs = 120_000): Promise<JsonResponse<T>> {
  const started = performance.now();
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed as T, ms: performance.now() - started });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Run fn over items with at most `limit` in flight; results in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/** Close pooled connections (new requests open new ones). */
export function dropIdleConnections(): void {
  agent.destroy();
}

export function closeAgent(): void {
  agent.destroy();
}
