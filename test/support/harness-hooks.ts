/**
 * Preloaded (`--import`) into every test file's process by `test/run.ts`, before `node:test`
 * loads. Node 20's test harness enables an async hook (`init` and `destroy`) that maps each
 * async resource to the test it came from: for nesting (`describe` → `it`, `before`) and for
 * blaming a test's uncaught exception on it. Its `destroy` makes V8 track every promise until
 * it is collected, which made each awaited promise about 15 times dearer — in every API,
 * worker, database client and helper the files run in-process (300,000 awaited promises:
 * 506–632 ms of CPU in a test, 33–43 ms outside one).
 *
 * Here the harness's hook keeps its `init` for every resource but promises, and has no
 * `destroy`: nesting is unchanged (a `describe`'s callbacks are synchronous; no file awaits in
 * one), and the same 300,000 promises take 74–153 ms. What changes: an uncaught exception from
 * code after an `await` in a test is reported as the file's ("A resource generated asynchronous
 * activity after the test ended…") instead of failing that test: the file and the run still
 * fail. The harness's map of resources to tests is never pruned: it keeps each non-promise
 * resource a test makes before its first `await`, and each one those start in their own
 * callbacks (a timer's, a socket's), however long the file runs. An `await` ends such a chain.
 */
import asyncHooks, { type HookCallbacks } from 'node:async_hooks';

const createHook = asyncHooks.createHook;
asyncHooks.createHook = function lighterHarnessHook(callbacks: HookCallbacks) {
  // The caller's frame: the harness's `setup`, or anyone else (left alone).
  const caller = (new Error().stack ?? '').split('\n')[2] ?? '';
  const init = callbacks.init;
  if (!caller.includes('internal/test_runner/harness') || !init || !callbacks.destroy) return createHook(callbacks);
  return createHook({
    init(asyncId, type, triggerAsyncId, resource) {
      if (type !== 'PROMISE') init(asyncId, type, triggerAsyncId, resource);
    },
  });
};
