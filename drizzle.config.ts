import { defineConfig } from 'drizzle-kit';

// Generating migrations reads only the schema files; no database connection is needed.
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema/*.ts',
  out: './db/migrations',
});
