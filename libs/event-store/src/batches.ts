/**
 * Groups what an async iterable yields into batches: a batch ends when it holds `max` items,
 * or when the source has nothing more ready within `lingerMs` of the batch's first item. A
 * catch-up subscription yields whole pages at once, so batches fill; live, one event waits
 * at most `lingerMs` for company. The pending read is carried over, so nothing is lost.
 */
export async function* batchesOf<T>(source: AsyncIterable<T>, max: number, lingerMs: number): AsyncGenerator<T[]> {
  const iterator = source[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<T>> | undefined;
  try {
    for (;;) {
      const first = await (pending ?? iterator.next());
      pending = undefined;
      if (first.done) return;
      const batch = [first.value];
      let timer: NodeJS.Timeout | undefined;
      const lingered = new Promise<'linger'>((resolve) => (timer = setTimeout(() => resolve('linger'), lingerMs)));
      try {
        while (batch.length < max) {
          pending ??= iterator.next();
          const next = await Promise.race([pending, lingered]);
          if (next === 'linger') break;
          pending = undefined;
          if (next.done) {
            yield batch;
            return;
          }
          batch.push(next.value);
        }
      } finally {
        clearTimeout(timer);
      }
      yield batch;
    }
  } finally {
    await iterator.return?.();
  }
}
