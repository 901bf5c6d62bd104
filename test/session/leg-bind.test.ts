/**
 * A POST /api/sessions whose RTP port cannot be bound for a reason other
 * than "taken" (issue 11, defect 6: the --rtp-host address went away) is
 * not reported as "no free ports": the bind error goes up as it is, once,
 * with the port given back, and the error middleware answers it 500
 * CALLREC_ERR_INTERNAL with its code (test/api/internal-error.test.ts).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CallrecError } from '../../src/errors.js';
import { PortPool } from '../../src/ingest/index.js';
import { bindLegReceiver } from '../../src/session/legs.js';

test('a bind that fails with EADDRNOTAVAIL goes up as that error (not CALLREC_ERR_NO_PORTS), and the port is free again', async () => {
  const ports = new PortPool(40620, 40629);
  const free = ports.available();
  const deps = { config: { rtpHost: '192.0.2.1' }, pool: { producerFor: () => ({}) }, ports } as never;
  let thrown: unknown = null;
  await bindLegReceiver(deps, performance.now()).catch((err) => (thrown = err));
  assert.ok(thrown !== null, 'the bind failed');
  assert.not.ok(thrown instanceof CallrecError, `not a CALLREC_ERR_* of its own: ${String(thrown)}`);
  assert.is((thrown as NodeJS.ErrnoException).code, 'EADDRNOTAVAIL');
  assert.is(ports.available(), free, 'every port taken was given back');
});

test.run();
