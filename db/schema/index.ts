/** Every table of gigflow; drizzle-kit reads this folder to generate migrations. */
export * from './ledger.js';
export * from './users.js';
