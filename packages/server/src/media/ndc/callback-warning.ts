/** The warning every failed native callback leaves (tests and operators look for it). */
export function warnCallbackFailed(id: string, during: string, err: unknown): void {
  process.emitWarning(`media transport ${id} failed during ${during}: ${(err as Error)?.stack ?? String(err)}`, 'HudongTransportError');
}
