/**
 * A misspelled CALLREC_* variable (CALLREC_RTP_TIMOUT) would be ignored
 * without a word and the default used: each unknown one gets a warning
 * naming the closest known variable. A warning, not an exit: the
 * environment is shared with other programs and may hold names from a newer
 * or older callrec.
 */

/** Read by callrec outside FLAGS: test hooks (docs/configuration.md) and install/test-suite switches. */
export const OTHER_KNOWN_VARIABLES: readonly string[] = [
  'CALLREC_TEST_SLOW_PACKET_MS', 'CALLREC_TEST_RING_BYTES', 'CALLREC_TEST_WEBHOOK_BACKOFF_MS',
  'CALLREC_SKIP_NATIVE', 'CALLREC_TEST_RTP_IO', 'CALLREC_TEST_KEEP',
];

/** Edits (insert, delete, replace one character) that turn a into b. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length];
}

export interface UnknownVariable {
  readonly variable: string;
  readonly closest: string;
}

/** Every CALLREC_* name in `env` that is not in `known`, with the known name closest to it. */
export function unknownVariables(env: NodeJS.ProcessEnv, known: readonly string[]): UnknownVariable[] {
  const knownSet = new Set(known);
  return Object.keys(env)
    .filter((name) => name.startsWith('CALLREC_') && !knownSet.has(name))
    .sort()
    .map((variable) => {
      let closest = known[0];
      for (const name of known) if (editDistance(variable, name) < editDistance(variable, closest)) closest = name;
      return { variable, closest };
    });
}
