/**
 * GET /api/recordings/:id/audio/:leg (SPEC §5): one audio file of a finished
 * recording, streamed from disk, with single-range requests (206/416) and
 * conditional requests: `If-None-Match` holding the current ETag (or `*`),
 * or, without it, `If-Modified-Since` not older than the file → 304, no body.
 *
 * No part of the URL ever becomes a path by itself: the id must be a valid
 * session id AND a recording in the index; the leg only picks a key
 * (`<leg>_audio`) in that recording's metadata, and the file name found there
 * must be a plain name. The resolved path is checked to lie in the sessions
 * directory, and opened without following a symlink.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import Router from '@koa/router';
import { callrecError } from '../../errors.js';
import type { RecordingsIndex } from '../../storage/index.js';
import { isSafeAudioFileName, isValidSessionId, sessionDir } from '../../storage/index.js';
import { ifNoneMatchHits, notModifiedSince, parseRange } from '../http-range.js';

/** incoming, outgoing, mixed, stereo, extra_<label>: a key prefix, never a path. */
const LEG_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export interface AudioRouteDeps {
  index: RecordingsIndex;
  sessions: { get(id: string): unknown };
  sessionsDir: string;
}

function legsOf(files: Record<string, string>): string[] {
  return Object.keys(files)
    .filter((k) => k.endsWith('_audio'))
    .map((k) => k.slice(0, -'_audio'.length));
}

async function openAudio(file: string): Promise<{ handle: FileHandle; size: number; mtime: Date }> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Deleted meanwhile, or not a plain file: not found, whatever the reason.
    if (code === 'ENOENT' || code === 'ELOOP' || code === 'ENOTDIR') throw callrecError('CALLREC_ERR_NOT_FOUND', 'audio file not found');
    throw err;
  }
  const stat = await handle.stat();
  if (!stat.isFile()) {
    await handle.close();
    throw callrecError('CALLREC_ERR_NOT_FOUND', 'audio file not found');
  }
  return { handle, size: stat.size, mtime: stat.mtime };
}

export function recordingAudioRoutes(deps: AudioRouteDeps): Router {
  const router = new Router();
  const root = path.resolve(deps.sessionsDir);

  router.get('/api/recordings/:id/audio/:leg', async (ctx) => {
    const { id, leg } = ctx.params;
    if (!isValidSessionId(id)) throw callrecError('CALLREC_ERR_INVALID_ID', 'session id must match ^[A-Za-z0-9._-]{1,64}$');
    if (!LEG_PATTERN.test(leg)) throw callrecError('CALLREC_ERR_INVALID_LEG', 'leg must be incoming, outgoing, mixed, or another audio key of the recording');
    const info = deps.index.info(id);
    if (info === null) {
      if (deps.sessions.get(id) !== undefined) throw callrecError('CALLREC_ERR_SESSION_ACTIVE', `session "${id}" is still recording`);
      throw callrecError('CALLREC_ERR_NOT_FOUND', `no recording "${id}"`);
    }
    const key = `${leg}_audio`;
    const fileName = Object.hasOwn(info.files, key) ? info.files[key] : undefined;
    if (fileName === undefined) {
      throw callrecError('CALLREC_ERR_NOT_FOUND', `recording "${id}" has no ${leg} audio (it has: ${legsOf(info.files).join(', ') || 'none'})`);
    }
    if (!isSafeAudioFileName(fileName)) throw callrecError('CALLREC_ERR_NOT_FOUND', `recording "${id}" has no readable ${leg} audio`);
    const file = path.resolve(sessionDir(deps.sessionsDir, id), fileName);
    if (path.dirname(path.dirname(file)) !== root) throw callrecError('CALLREC_ERR_NOT_FOUND', `recording "${id}" has no readable ${leg} audio`);

    const { handle, size, mtime } = await openAudio(file);
    let keep = false;
    try {
      const etag = `"${size.toString(16)}-${Math.floor(mtime.getTime()).toString(16)}"`;
      const lastModified = mtime.toUTCString();
      // RFC 9110 §13.2.2: the validators are evaluated before Range, so a current copy is 304 whatever the range.
      const ifNoneMatch = ctx.get('if-none-match');
      const fresh = ifNoneMatch !== '' ? ifNoneMatchHits(ifNoneMatch, etag) : notModifiedSince(ctx.get('if-modified-since'), mtime.getTime());
      if (fresh) {
        ctx.set('ETag', etag);
        ctx.set('Last-Modified', lastModified);
        ctx.set('Cache-Control', 'private, no-cache');
        ctx.status = 304;
        return;
      }
      // If-Range: the range holds only for the same file version; otherwise send it all.
      const ifRange = ctx.get('if-range');
      const rangeHeader = ifRange === '' || ifRange === etag || ifRange === lastModified ? ctx.get('range') : '';
      const range = parseRange(rangeHeader, size);
      ctx.set('Accept-Ranges', 'bytes');
      if (range.kind === 'unsatisfiable') {
        ctx.set('Content-Range', `bytes */${size}`);
        throw callrecError('CALLREC_ERR_RANGE_NOT_SATISFIABLE', `range "${rangeHeader}" is outside the file (${size} bytes)`);
      }
      ctx.set('ETag', etag);
      ctx.set('Last-Modified', lastModified);
      ctx.set('Content-Disposition', `inline; filename="${fileName.replace(/[^\x20-\x7e]|["\\]/g, '_')}"`);
      ctx.set('Cache-Control', 'private, no-cache');
      const start = range.kind === 'partial' ? range.start : 0;
      const end = range.kind === 'partial' ? range.end : size - 1;
      if (range.kind === 'partial') {
        ctx.status = 206;
        ctx.set('Content-Range', `bytes ${start}-${end}/${size}`);
      }
      ctx.type = 'audio/wav';
      if (size === 0) {
        ctx.body = Buffer.alloc(0);
      } else {
        // The stream owns the handle from here: closed when done or when the client goes away.
        ctx.body = handle.createReadStream({ start, end });
        keep = true;
      }
      ctx.length = end - start + 1;
    } finally {
      if (!keep) await handle.close();
    }
  });

  return router;
}
