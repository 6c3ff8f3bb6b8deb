// The time limit of one call (shared/errors/deadline.ts): it aborts as AbortSignal.timeout does,
// takes the caller's abort too, and leaves no timer behind once the call has ended. The clock is
// vitest's fake one: nothing here waits or measures time.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { deadline, withDeadline } from '../../shared/errors/index.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('deadline', () => {
  test('aborts after its time with the reason AbortSignal.timeout gives, not before', () => {
    const { signal } = deadline(1_000);
    vi.advanceTimersByTime(999);
    expect(signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(DOMException);
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
    expect((signal.reason as DOMException).message).toBe('The operation was aborted due to timeout');
  });

  test('cleared, it never aborts and its timer is gone', () => {
    const before = vi.getTimerCount();
    const limit = deadline(1_000);
    expect(vi.getTimerCount()).toBe(before + 1);
    limit.clear();
    expect(vi.getTimerCount()).toBe(before);
    vi.advanceTimersByTime(5_000);
    expect(limit.signal.aborted).toBe(false);
  });

  test("aborts with the caller's reason when the caller aborts first", () => {
    const caller = new AbortController();
    const { signal } = deadline(1_000, caller.signal);
    caller.abort(new Error('shutting down'));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe('shutting down');
  });
});

describe('withDeadline', () => {
  test.each([
    { ending: 'answers', call: async (): Promise<string> => 'answer', settles: { value: 'answer' } },
    { ending: 'fails', call: async (): Promise<string> => Promise.reject(new Error('refused')), settles: { error: 'refused' } },
  ])('clears its timer when the call $ending', async ({ call, settles }) => {
    const before = vi.getTimerCount();
    const result = withDeadline(1_000, call);
    if ('value' in settles) await expect(result).resolves.toBe(settles.value);
    else await expect(result).rejects.toThrow(settles.error);
    expect(vi.getTimerCount()).toBe(before);
  });

  test('a call that outlasts its time sees its signal abort', async () => {
    const result = withDeadline(1_000, (signal) => new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error))));
    vi.advanceTimersByTime(1_000);
    await expect(result).rejects.toMatchObject({ name: 'TimeoutError' });
  });
});
