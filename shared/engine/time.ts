// State keeps ISO-8601 timestamps (readable in Table Storage and App Insights); the math works
// in epoch milliseconds. `now` is always an argument: the engine never reads a clock.

export const toMs = (iso: string): number => Date.parse(iso);
export const toIso = (ms: number): string => new Date(ms).toISOString();
export const seconds = (s: number): number => s * 1000;

/**
 * The later of a recorded time (if any) and `iso`: an activity another writer recorded later
 * than this one must not be undone by it.
 */
export const latestTime = (recorded: string | null | undefined, iso: string): string => (recorded && toMs(recorded) > toMs(iso) ? recorded : iso);

/** The earlier of a recorded time and `iso`: a time from a clock ahead, read as no later than now. */
export const earliestTime = (recorded: string, iso: string): string => (toMs(recorded) < toMs(iso) ? recorded : iso);
