/**
 * Averaging mix on the shared timeline: out[n] = floor(sum of inputs[n] / count).
 * An input shorter than `length` contributes 0 past its end. Averaging (rather
 * than summing) can never clip, which is why the SPEC asks for it.
 */
export function mixAverage(inputs: readonly Int16Array[], lengths: readonly number[], out: Int16Array, length: number): void {
  const count = inputs.length;
  if (count === 2 && lengths[0] >= length && lengths[1] >= length) {
    // The common case (two legs, full chunk): floor((a + b) / 2) is (a + b) >> 1.
    const a = inputs[0];
    const b = inputs[1];
    for (let n = 0; n < length; n++) out[n] = (a[n] + b[n]) >> 1;
    return;
  }
  for (let n = 0; n < length; n++) {
    let sum = 0;
    for (let i = 0; i < count; i++) if (n < lengths[i]) sum += inputs[i][n];
    out[n] = Math.floor(sum / count);
  }
}
