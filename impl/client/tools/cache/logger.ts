/**
 * Logger is the pino-compatible subset the client machinery logs through (`logger.warn({ err,
 * resource }, 'watch closed')`). Pass a pino logger (or a child of one); the default
 * {@link noopLogger} is silent, so libraries never write to stdout on their own.
 */
export interface Logger {
  debug(obj: Record<string, unknown>, msg?: string): void;
  info(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
  error(obj: Record<string, unknown>, msg?: string): void;
}

/** noopLogger drops everything. */
export const noopLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
