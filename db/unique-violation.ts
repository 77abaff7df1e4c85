/**
 * Whether PostgreSQL refused a write as a duplicate (`23505`), optionally of one unique
 * constraint or index: postgres.js throws its error itself, drizzle wraps it as the `cause`.
 */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint_name?: string; cause?: { code?: string; constraint_name?: string } } | undefined;
  const pg = e?.code === '23505' ? e : e?.cause?.code === '23505' ? e.cause : undefined;
  return pg !== undefined && (constraint === undefined || pg.constraint_name === constraint);
}
