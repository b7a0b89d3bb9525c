import { readdirSync, readFileSync } from 'node:fs';

/**
 * The process's file descriptors as Linux shows them: how many are open (`/proc/self/fd`) against
 * the soft limit (`/proc/self/limits`, read once: Node raises it to the hard limit at start). Media
 * transports check it before they are made, so that running out shows as a clear refusal instead of
 * libdatachannel's "Failed to create pipe", and the last descriptors stay for WebSockets and
 * `/healthz`. Listing the directory costs ~30 µs per 100 descriptors: once per new transport.
 * Elsewhere (no /proc) nothing is known and nothing is refused.
 */
export class FdBudget {
  readonly #limit: number | undefined;

  constructor(limitsFile = '/proc/self/limits') {
    this.#limit = readSoftLimit(limitsFile);
  }

  /** The soft limit, when known. */
  get limit(): number | undefined {
    return this.#limit;
  }

  /** Descriptors free now (undefined when unknown). */
  free(): number | undefined {
    if (this.#limit === undefined) return undefined;
    try {
      // The listing holds one descriptor of its own while it runs: not counted.
      return this.#limit - (readdirSync('/proc/self/fd').length - 1);
    } catch {
      // The listing itself found no descriptor to use: none is free.
      return 0;
    }
  }
}

function readSoftLimit(limitsFile: string): number | undefined {
  try {
    const line = readFileSync(limitsFile, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = Number(line?.split(/\s+/)[3]);
    return Number.isInteger(soft) && soft > 0 ? soft : undefined;
  } catch {
    return undefined;
  }
}
