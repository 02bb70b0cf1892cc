/**
 * A value loaded at most once per `maxAgeMs`, with at most one load in flight: however many
 * callers ask at once, they share one load. A failed load is not kept (the next caller retries),
 * but the last good value is served meanwhile, so one slow or failed refresh does not fail every
 * caller.
 */
export function cachedValue<T>(load: () => Promise<T>, maxAgeMs: number, now: () => number = Date.now): () => Promise<T> {
  let value: { data: T; at: number } | undefined;
  let inFlight: Promise<T> | undefined;
  return () => {
    if (value && now() - value.at < maxAgeMs) return Promise.resolve(value.data);
    inFlight ??= load()
      .then((data) => {
        value = { data, at: now() };
        return data;
      })
      .catch((err: unknown) => {
        if (value) return value.data;
        throw err;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
}
