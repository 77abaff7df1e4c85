import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pollUntil } from '../../scripts/poll.js';

describe('pollUntil: the one way scripts and tests wait for asynchronous work', () => {
  it('answers the first value that is neither undefined nor false', async () => {
    let calls = 0;
    const value = await pollUntil(() => (++calls < 3 ? undefined : calls === 3 ? false : { calls }), { timeoutMs: 5_000, intervalMs: 1 });
    assert.deepEqual(value, { calls: 4 });
  });

  it('gives up after its bound, naming what it waited for', async () => {
    await assert.rejects(pollUntil(() => undefined, { timeoutMs: 20, intervalMs: 5, what: 'the moon' }), /^Error: timed out after 20 ms waiting for the moon$/);
  });

  it('names what is true when it gives up, not when it began, when `what` is a function', async () => {
    let left = 3;
    const check = () => {
      left -= 1;
      return undefined;
    };
    // At least two checks (the first never gives up): `left` is at most 1 by then, 3 at the start.
    const waiting = pollUntil(check, { timeoutMs: 30, intervalMs: 5, what: () => `nothing left (left: ${left})` });
    await assert.rejects(waiting, (err: Error) => {
      const stated = Number(/left: (-?\d+)\)$/.exec(err.message)?.[1]);
      assert.ok(stated < 2, err.message);
      return true;
    });
  });

  it('keeps waiting when the machine’s clock steps a day ahead during the wait (its bound is on the monotonic clock)', async (t) => {
    let calls = 0;
    const value = await pollUntil(
      () => {
        calls += 1;
        // At the first check the wall clock jumps a day, as a resumed virtual machine's does.
        if (calls === 1) t.mock.method(Date, 'now', () => Date.prototype.getTime.call(new Date()) + 86_400_000);
        return calls === 3 ? 'done' : undefined;
      },
      { timeoutMs: 5_000, intervalMs: 1, what: 'the third check' },
    );
    assert.equal(value, 'done');
    assert.ok(Date.now() - new Date().getTime() >= 86_000_000, 'the wall clock stood a day ahead during the wait');
  });
});
