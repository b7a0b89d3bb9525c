import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ERROR_TABLE, lookupError } from './error-table.js';
import { ErrorCode } from './ErrorCode.js';
import { AVError } from './AVError.js';

const specPath = fileURLToPath(new URL('../../../../../shared/spec/avsdk-error-codes.zh.md', import.meta.url));

/** Rows of the spec's tables: name | code | meaning | cause | suggestion. */
function specRows(): { name: string; code: number; meaning: string; suggestion: string }[] {
  return readFileSync(specPath, 'utf8')
    .split('\n')
    .filter((line) => /^\|AV_ERR_/.test(line.trim()))
    .map((line) => {
      const cells = line
        .trim()
        .replace(/^\|/, '')
        .split('|')
        .map((c) => c.trim());
      return { name: cells[0]!, code: Number(cells[1]), meaning: cells[2]!, suggestion: cells[4]! };
    });
}

test('the table has the 34 codes of the spec with exact names, values, meanings and suggestions', () => {
  const rows = specRows();
  assert.equal(rows.length, 34);
  assert.equal(ERROR_TABLE.length, 34);
  for (const row of rows) {
    const entry = lookupError(row.code);
    assert.ok(entry, `missing ${row.code}`);
    assert.equal(entry.name, row.name);
    assert.equal(entry.meaning.zh, row.meaning.trim(), `meaning of ${row.name}`);
    assert.equal(entry.suggestion.zh, row.suggestion.trim(), `suggestion of ${row.name}`);
    assert.ok(entry.cause.zh.length > 0 && entry.cause.en.length > 0);
    assert.ok(entry.meaning.en.length > 0 && entry.suggestion.en.length > 0);
    assert.equal(entry.side, row.code >= 10000 ? 'server' : 'client');
  }
});

test('ErrorCode names map to the table values', () => {
  assert.equal(Object.keys(ErrorCode).length, 34);
  for (const [name, code] of Object.entries(ErrorCode)) assert.equal(lookupError(code)?.name, name);
  assert.equal(ErrorCode.AV_ERR_TIMEOUT, 1005);
});

test('lookupError accepts codes, numeric strings and names in any case', () => {
  assert.equal(lookupError('1005')?.code, 1005);
  assert.equal(lookupError('av_err_timeout')?.code, 1005);
  assert.equal(lookupError(4242), undefined);
});

test('AVError carries the entry in the chosen language, detail and isBenign', () => {
  const en = new AVError(ErrorCode.AV_ERR_SERVER_NO_PERMISSION, { code: 'USERSIG_EXPIRED', message: 'expired' });
  assert.equal(en.codeName, 'AV_ERR_SERVER_NO_PERMISSION');
  assert.equal(en.meaning, 'No permission');
  assert.deepEqual(en.detail, { code: 'USERSIG_EXPIRED', message: 'expired' });
  assert.match(en.message, /USERSIG_EXPIRED/);
  assert.equal(en.isBenign, false);
  assert.equal(en.isServerError, true);
  const zh = en.localize('zh');
  assert.equal(zh.meaning, '没有权限');
  assert.equal(new AVError(1003).isBenign, true);
  assert.ok(new AVError(1003) instanceof Error);
  assert.equal(AVError.describe(1801, 'zh').meaning, '发送邀请失败');
  assert.throws(() => new AVError(4242 as never), RangeError);
});
