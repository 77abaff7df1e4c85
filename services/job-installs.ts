/**
 * W-06: staff's catalog of installation services. Support and admins add an install, change its
 * price or description, and retire it (or bring it back). Nothing is ever deleted: a job keeps
 * pointing at its install, and keeps the price it was ordered at (the job's own `price_cents`
 * and its workflow's input), so a change here reaches only orders made after it. A retired
 * install is out of the public catalog and cannot be ordered (`installOf`, services/jobs.ts).
 */
import type { Db } from '../db/client.js';
import { AppError } from '../workflows/lib/errors.js';

/** The catalog's limits (what the form and the API accept). */
export const installRules = {
  nameMaxChars: 120,
  descriptionMaxChars: 2_000,
  /** $1.00 to $100,000.00: a fixed price the client pays at once (W-06). */
  minPriceCents: 100,
  maxPriceCents: 10_000_000,
} as const;

/** An install as staff see it, retired ones included. */
export interface StaffInstall {
  id: number;
  name: string;
  description: string;
  priceCents: number;
  active: boolean;
  createdAt: string;
  /** How many jobs were ordered with it (they keep their price whatever changes here). */
  jobs: number;
}

export interface NewInstall {
  name: string;
  description: string;
  priceCents: number;
}

/** What staff change: any of the price, the description, and whether it is offered. */
export interface InstallChange {
  priceCents?: number;
  description?: string;
  active?: boolean;
}

type Row = { id: string; name: string; description: string; price_cents: number; active: boolean; created_at: Date; jobs: number };

const present = (r: Row): StaffInstall => ({
  id: Number(r.id),
  name: r.name,
  description: r.description,
  priceCents: r.price_cents,
  active: r.active,
  createdAt: new Date(r.created_at).toISOString(),
  jobs: r.jobs,
});

async function one(db: Db, id: number): Promise<StaffInstall> {
  const [row] = await db.sql<Row[]>`
    select i.*, (select count(*)::int from jobs j where j.install_id = i.id) as jobs from job_installs i where i.id = ${id}`;
  if (!row) throw new AppError('not_found', 'no such install');
  return present(row);
}

export function createJobInstalls({ db }: { db: Db }) {
  return {
    /** Every install, offered ones first, then by price. */
    async all(): Promise<StaffInstall[]> {
      const rows = await db.sql<Row[]>`
        select i.*, (select count(*)::int from jobs j where j.install_id = i.id) as jobs
        from job_installs i order by i.active desc, i.price_cents, i.id limit 500`;
      return rows.map(present);
    },
    one: (id: number) => one(db, id),
    /** W-06: a new install, offered at once. */
    async add(input: NewInstall): Promise<StaffInstall> {
      const [row] = await db.sql<{ id: string }[]>`
        insert into job_installs (name, description, price_cents) values (${input.name}, ${input.description}, ${input.priceCents}) returning id`;
      return one(db, Number(row!.id));
    },
    /** W-06: a new price or description (for orders from now on), or retired / offered again. */
    async change(id: number, change: InstallChange): Promise<StaffInstall> {
      const rows = await db.sql`
        update job_installs set
          price_cents = coalesce(${change.priceCents ?? null}::int, price_cents),
          description = coalesce(${change.description ?? null}::text, description),
          active = coalesce(${change.active ?? null}::boolean, active)
        where id = ${id} returning id`;
      if (rows.length === 0) throw new AppError('not_found', 'no such install');
      return one(db, id);
    },
  };
}

export type JobInstalls = ReturnType<typeof createJobInstalls>;
