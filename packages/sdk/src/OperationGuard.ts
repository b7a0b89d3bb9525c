import { ErrorCode, type AVError, type Lang } from '@hudong/protocol';
import { avError } from './util/errors.js';

export interface GuardRunOptions<Op extends string> {
  /**
   * When the target state already holds, a sentence saying so: the run fails with 1003 (after the
   * 1001/1002 checks, which win). `false`/omitted: go ahead.
   */
  holds?: string | false;
  /** Operations this one may cancel: the running one rejects with 1002 and this one starts. */
  preempts?: readonly Op[];
}

interface Running<Op> {
  op: Op;
  abort: AbortController;
}

/**
 * AVSDK's rules for one category of operations (context: start/stop/destroy; room:
 * enter/exit/changeAuthority; views: requestViewList/cancelAllView):
 * - the same operation again while it runs → 1001 AV_ERR_REPEATED_OPERATION;
 * - another operation of the category while one runs → 1002 AV_ERR_EXCLUSIVE_OPERATION;
 * - the target state already holds → 1003 AV_ERR_HAS_IN_THE_STATE.
 */
export class OperationGuard<Op extends string> {
  readonly category: string;
  #lang: Lang;
  #running: Running<Op> | null = null;

  constructor(category: string, lang: Lang) {
    this.category = category;
    this.#lang = lang;
  }

  /** The operation running now, or null. */
  get current(): Op | null {
    return this.#running?.op ?? null;
  }

  /** The 1001/1002 error `op` would get now, or null when the category is free. */
  conflict(op: Op, preempts: readonly Op[] = []): AVError | null {
    const running = this.#running;
    if (!running || preempts.includes(running.op)) return null;
    if (running.op === op) {
      return avError(ErrorCode.AV_ERR_REPEATED_OPERATION, 'IN_PROGRESS', `${op} is already in progress`, this.#lang, { operation: op });
    }
    return avError(
      ErrorCode.AV_ERR_EXCLUSIVE_OPERATION,
      'EXCLUSIVE',
      `${running.op} is in progress; ${op} must wait for it (${this.category} operations run one at a time)`,
      this.#lang,
      { operation: op, running: running.op },
    );
  }

  /**
   * Runs `fn` as the category's only operation. `fn` gets an AbortSignal that fires when a later
   * operation preempts it; the returned promise then rejects with 1002 at once, and `fn` must not
   * change state any more when it eventually finishes.
   */
  run<T>(op: Op, fn: (signal: AbortSignal) => Promise<T>, opts: GuardRunOptions<Op> = {}): Promise<T> {
    const conflict = this.conflict(op, opts.preempts);
    if (conflict) return Promise.reject(conflict);
    if (opts.holds) return Promise.reject(avError(ErrorCode.AV_ERR_HAS_IN_THE_STATE, 'ALREADY_IN_STATE', opts.holds, this.#lang, { operation: op }));
    const previous = this.#running;
    if (previous) {
      previous.abort.abort(
        avError(ErrorCode.AV_ERR_EXCLUSIVE_OPERATION, 'CANCELLED', `${op} cancelled ${previous.op}`, this.#lang, {
          operation: previous.op,
          cancelledBy: op,
        }),
      );
    }
    const running: Running<Op> = { op, abort: new AbortController() };
    this.#running = running;
    const { signal } = running.abort;
    const aborted = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    let work: Promise<T>;
    try {
      work = fn(signal);
    } catch (err) {
      work = Promise.reject(err);
    }
    const release = () => {
      if (this.#running === running) this.#running = null;
    };
    work.then(release, release);
    return Promise.race([work, aborted]);
  }
}
