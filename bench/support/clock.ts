/**
 * The benches' one clock: epoch milliseconds with sub-millisecond resolution, monotonic from this
 * process's start. The emulator, the slow server and the SSE reader are given it too, so that
 * every figure is a difference of two readings of the same clock.
 */
export const epochNow = (): number => performance.timeOrigin + performance.now();
