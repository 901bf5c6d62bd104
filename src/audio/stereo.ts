/**
 * Two mono legs → one interleaved stereo buffer (left, right, left, …) on
 * the shared timeline; a leg shorter than `count` is silent past its end.
 */
export function interleaveStereo(left: Int16Array, leftLength: number, right: Int16Array, rightLength: number, out: Int16Array, count: number): void {
  for (let n = 0; n < count; n++) {
    out[2 * n] = n < leftLength ? left[n] : 0;
    out[2 * n + 1] = n < rightLength ? right[n] : 0;
  }
}
