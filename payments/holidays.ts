/**
 * The statutory holidays of a country (D-06), from `date-holidays`, loaded at the first calendar
 * a process makes: with its astronomy for the movable feasts it is some 80 modules and about
 * 0.25 s of CPU, which every process importing the services paid at start before, most of them
 * never counting a business day.
 */
import { createRequire } from 'node:module';
import type Holidays from 'date-holidays';

const require = createRequire(import.meta.url);
const byCountry = new Map<string, Holidays>();

/** The holidays of `country`, named in English (date-holidays falls back to the country's own language where it has no English name). */
export function holidaysOf(country: string): Holidays {
  let holidays = byCountry.get(country);
  if (!holidays) {
    const HolidaysOf = require('date-holidays') as typeof Holidays;
    holidays = new HolidaysOf(country, { languages: ['en'] });
    byCountry.set(country, holidays);
  }
  return holidays;
}
