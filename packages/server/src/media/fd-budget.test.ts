// FdBudget reads the soft limit once and counts open descriptors on each call (Linux /proc).
import assert from 'node:assert/strict';
import { mkdtempSync, openSync, closeSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { FdBudget } from './fd-budget.js';

const dir = mkdtempSync(join(tmpdir(), 'fd-budget-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function limits(soft: string): string {
  const path = join(dir, `limits-${soft}`);
  writeFileSync(
    path,
    'Limit                     Soft Limit           Hard Limit           Units     \n' +
      'Max cpu time              unlimited            unlimited            seconds   \n' +
      `Max open files            ${soft}                 4096                 files     \n`,
  );
  return path;
}

it('free = the soft limit minus the descriptors open now, which an open file lowers by one', () => {
  const budget = new FdBudget(limits('1024'));
  assert.equal(budget.limit, 1024);
  const free = budget.free()!;
  assert.equal(free, 1024 - readdirSync('/proc/self/fd').length + 1);
  const fd = openSync(join(dir, 'limits-1024'), 'r');
  try {
    assert.equal(budget.free(), free - 1);
  } finally {
    closeSync(fd);
  }
});

it('knows nothing (and so refuses nothing) without a readable limit', () => {
  assert.equal(new FdBudget(join(dir, 'missing')).free(), undefined);
  assert.equal(new FdBudget(limits('unlimited')).free(), undefined);
});
