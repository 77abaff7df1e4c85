/** Every table of gigflow; drizzle-kit reads this folder to generate migrations. */
export * from './catalog.js';
export * from './ledger.js';
export * from './users.js';
export * from './orders.js';
