/** Every table of gigflow; drizzle-kit reads this folder to generate migrations. */
export * from './users.js';
