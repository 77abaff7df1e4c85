/**
 * The first admin: `npm run admin:grant -- <login>` makes an existing user an admin; in
 * production every later staff role is granted by an admin through the API
 * (`PUT /admin/users/{id}/roles/{role}`). On a development machine `npm run admin:grant -- <login>
 * <role>` grants any role the same way (e.g. `expert`, to take estimated jobs). Uses DATABASE_URL,
 * or else `npm start`'s embedded PostgreSQL on `EMBEDDED_POSTGRES_PORT` (outside production), so
 * beside a running `npm start` it needs nothing set.
 */
import { staffRoles, type StaffRole } from '../services/account-types.js';
import { createAccounts } from '../services/accounts.js';
import { systemClock } from '../services/clock.js';
import { loadConfig } from '../config.js';
import { createDb } from '../db/client.js';

const [login, role = 'admin'] = process.argv.slice(2);
if (!login || !(staffRoles as readonly string[]).includes(role)) {
  console.error(`usage: npm run admin:grant -- <login> [${staffRoles.join('|')}]   (default: admin)`);
  process.exit(2);
}
const config = loadConfig();
if (!config.DATABASE_URL && config.NODE_ENV === 'production') {
  console.error('missing environment variable DATABASE_URL: this process needs it');
  process.exit(2);
}
// Else `npm start`'s embedded cluster (db/embedded.ts: its development password, loopback only).
const db = createDb(config.DATABASE_URL ?? `postgres://postgres:gigflow-dev@127.0.0.1:${config.EMBEDDED_POSTGRES_PORT}/gigflow`, { max: 1 });
try {
  const accounts = createAccounts({ db, clock: systemClock });
  const id = await accounts.userIdByLogin(login);
  if (id === undefined) {
    console.error(`no user with login ${JSON.stringify(login)}: register first`);
    process.exitCode = 1;
  } else {
    const me = await accounts.grantRole(id, role as StaffRole);
    console.log(`${me.login} (id ${me.id}) now has the roles: ${me.roles.join(', ')}`);
  }
} finally {
  await db.close();
}
