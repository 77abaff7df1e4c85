/**
 * As root, the embedded PostgreSQL runs as the `postgres` OS user, which must be able to enter
 * every folder on the way to its binaries and its data; db/embedded.ts checks that first and
 * says in one line what to do, instead of failing with a bare `spawn … initdb EACCES`.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { assertReachable, EmbeddedPostgresAccessError, firstUnenterableDirectory, type OsUser } from '../../db/embedded.js';

// mkdtemp makes its folder 0700, as `mktemp -d` does.
const folder = mkdtempSync(join(tmpdir(), 'gigflow-access-'));
const checkout = join(folder, 'gigflow', 'node_modules', 'bin');
mkdirSync(checkout, { recursive: true });
after(() => rmSync(folder, { recursive: true, force: true }));

const owner = statSync(folder);
/** Another user, in none of the folder's groups: as `postgres` is to root's folders. */
const stranger: OsUser = { name: 'postgres', uid: owner.uid + 4242, gids: [owner.gid + 4242] };

describe('whether the embedded PostgreSQL’s OS user can reach its binaries and data', () => {
  it('finds the 0700 folder on the way, for a user who neither owns it nor is in its group', () => {
    chmodSync(folder, 0o700);
    assert.deepEqual(firstUnenterableDirectory(checkout, stranger), { dir: folder, mode: 0o700 });
  });

  it('lets the owner in, and a member of its group when the group may enter', () => {
    chmodSync(folder, 0o710);
    assert.equal(firstUnenterableDirectory(checkout, { ...stranger, uid: owner.uid }), undefined);
    assert.equal(firstUnenterableDirectory(checkout, { ...stranger, gids: [owner.gid + 4242, owner.gid] }), undefined);
    assert.deepEqual(firstUnenterableDirectory(checkout, stranger), { dir: folder, mode: 0o710 });
  });

  it('lets anyone in once the folder may be entered by others (o+x), and ignores folders not made yet', () => {
    chmodSync(folder, 0o701);
    assert.equal(firstUnenterableDirectory(checkout, stranger), undefined);
    assert.equal(firstUnenterableDirectory(join(checkout, 'not-yet', 'data'), stranger), undefined);
  });

  it('says in one line which folder blocks what, and how to fix it', () => {
    chmodSync(folder, 0o700);
    assert.throws(
      () => assertReachable(stranger, { binaries: checkout, 'data directory': join(folder, 'gigflow', '.data', 'postgres') }),
      (err: unknown) => {
        assert.ok(err instanceof EmbeddedPostgresAccessError);
        assert.doesNotMatch(err.message, /\n/);
        assert.ok(err.message.includes(`OS user postgres, which cannot enter ${folder} (mode 0700) on the way to its binaries (${checkout})`), err.message);
        assert.ok(err.message.includes(`chmod o+x ${folder}`), err.message);
        assert.match(err.message, /GIGFLOW_DATA_DIR/);
        assert.match(err.message, /DATABASE_URL/);
        return true;
      },
    );
    chmodSync(folder, 0o755);
    assert.doesNotThrow(() => assertReachable(stranger, { binaries: checkout }));
  });
});
