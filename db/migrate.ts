/**
 * Applies the committed drizzle-kit migrations in `db/migrations/`. Called at start by
 * `npm start`, by the test harness for every test database, and alone by `npm run db:migrate`.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { createDb, type Db } from './client.js';

export const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

export async function runMigrations(db: Db): Promise<void> {
  await migrate(db.orm, { migrationsFolder });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { loadConfig } = await import('../config.js');
  const config = loadConfig(['DATABASE_URL']);
  const db = createDb(config.DATABASE_URL, { max: 1 });
  try {
    await runMigrations(db);
    console.log('migrations applied');
  } finally {
    await db.close();
  }
}
