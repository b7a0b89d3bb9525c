/**
 * The transports an engine has made and not yet closed, so that closing the engine closes them:
 * each leaves the set when it is closed, by whoever closes it.
 */
export class OpenTransports {
  readonly #open = new Set<{ close(): void }>();

  /** `transport`, now in the set until its `close`. */
  track<T extends { close(): void }>(transport: T): T {
    this.#open.add(transport);
    const close = transport.close.bind(transport);
    transport.close = () => {
      this.#open.delete(transport);
      close();
    };
    return transport;
  }

  closeAll(): void {
    for (const transport of [...this.#open]) transport.close();
    this.#open.clear();
  }
}
