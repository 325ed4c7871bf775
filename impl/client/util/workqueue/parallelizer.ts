/**
 * parallelizeUntil runs `doWorkPiece(i)` for every piece `0..pieces-1` on at most `workers`
 * concurrent workers, stopping early (without starting new pieces) when `signal` aborts
 * (client-go `util/workqueue/parallelizer.go` `ParallelizeUntil`). A piece that throws does
 * not stop the others; the first error is rethrown at the end.
 */
export async function parallelizeUntil(
  signal: AbortSignal | undefined,
  workers: number,
  pieces: number,
  doWorkPiece: (piece: number) => void | Promise<void>,
): Promise<void> {
  if (pieces <= 0) return;
  let next = 0;
  let firstError: unknown;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < pieces && !signal?.aborted) {
      const piece = next++;
      try {
        await doWorkPiece(piece);
      } catch (err) {
        if (!failed) {
          failed = true;
          firstError = err;
        }
      }
    }
  };
  const n = Math.max(1, Math.min(workers, pieces));
  await Promise.all(Array.from({ length: n }, worker));
  if (failed) throw firstError;
}
