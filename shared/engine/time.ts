// State keeps ISO-8601 timestamps (readable in Table Storage and App Insights); the math works
// in epoch milliseconds. `now` is always an argument: the engine never reads a clock.

export const toMs = (iso: string): number => Date.parse(iso);
export const toIso = (ms: number): string => new Date(ms).toISOString();
export const seconds = (s: number): number => s * 1000;
