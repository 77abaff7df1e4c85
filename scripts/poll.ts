/**
 * Waits for a condition by polling it, with a bound: the one way scripts and tests wait for
 * asynchronous work (never a fixed sleep). Throws, naming `what`, when the bound runs out
 * (a function: what it says then, e.g. what is still left). The bound is kept on the monotonic
 * clock: a step of the machine's clock (a virtual machine resumed and set to the date) neither
 * ends a wait at once nor makes it endless.
 */
export async function pollUntil<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 10_000, intervalMs = 100, what = 'a condition' }: { timeoutMs?: number; intervalMs?: number; what?: string | (() => string) } = {},
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (performance.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
