/**
 * One webhook attempt: POST a JSON body with node:http or node:https and
 * report the outcome; never throws, never follows redirects. Success is a
 * 2xx status; the response body is drained and ignored. The whole attempt
 * (connect, send, response headers) has one deadline.
 */
import http from 'node:http';
import https from 'node:https';

export type PostOutcome = { ok: true; status: number } | { ok: false; error: string };

export interface PostOptions {
  timeoutMs: number;
  headers: Record<string, string>;
  signal?: AbortSignal;
}

/** One connection per attempt (no keep-alive): a receiver's idle timeout can never reset a reused socket. */
const agents = {
  'http:': new http.Agent({ keepAlive: false, maxSockets: 64 }),
  'https:': new https.Agent({ keepAlive: false, maxSockets: 64 }),
};

export function postJson(url: URL, body: string, opts: PostOptions): Promise<PostOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: PostOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const transport = url.protocol === 'https:' ? https : http;
    let req: http.ClientRequest;
    try {
      req = transport.request(url, {
        method: 'POST',
        agent: url.protocol === 'https:' ? agents['https:'] : agents['http:'],
        signal: opts.signal,
        headers: {
          ...opts.headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
        },
      });
    } catch (err) {
      resolve({ ok: false, error: (err as Error).message });
      return;
    }
    const timer = setTimeout(() => {
      finish({ ok: false, error: `no response within ${opts.timeoutMs} ms` });
      req.destroy();
    }, opts.timeoutMs);
    req.on('response', (res) => {
      res.resume();
      res.on('error', () => {});
      const status = res.statusCode ?? 0;
      finish(status >= 200 && status < 300 ? { ok: true, status } : { ok: false, error: `HTTP ${status}` });
    });
    req.on('error', (err) => finish({ ok: false, error: err.message }));
    req.end(body);
  });
}
