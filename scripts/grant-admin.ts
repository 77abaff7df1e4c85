/**
 * The first admin: `npm run admin:grant -- <login>` makes an existing user an admin; every
 * later staff role is granted by an admin through the API. Needs DATABASE_URL (with
 * `npm start` running: postgres://postgres:gigflow-dev@127.0.0.1:5433/gigflow).
 */
import { createAccounts } from '../services/accounts.js';
import { systemClock } from '../services/clock.js';
import { loadConfig } from '../config.js';
import { createDb } from '../db/client.js';

const login = process.argv[2];
if (!login) {
  console.error('usage: npm run admin:grant -- <login>');
  process.exit(2);
}
const config = loadConfig(['DATABASE_URL']);
const db = createDb(config.DATABASE_URL, { max: 1 });
try {
  const accounts = createAccounts({ db, clock: systemClock });
  const id = await accounts.userIdByLogin(login);
  if (id === undefined) {
    console.error(`no user with login ${JSON.stringify(login)}: register first`);
    process.exitCode = 1;
  } else {
    const me = await accounts.grantRole(id, 'admin');
    console.log(`${me.login} (id ${me.id}) now has the roles: ${me.roles.join(', ')}`);
  }
} finally {
  await db.close();
}
