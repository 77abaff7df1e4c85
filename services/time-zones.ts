/**
 * The time zones a user can choose, by their current IANA names. Node 20's ICU lists some zones
 * by names the IANA database renamed long ago (`Asia/Calcutta`, `Europe/Kiev`), and its
 * `resolvedOptions().timeZone` even turns a current name back into the old one; it accepts both.
 * So the list maps the renamed ones, a profile saved under an old name reads as the current one,
 * and a save stores the current one.
 */

/**
 * The names `Intl.supportedValuesOf('timeZone')` gives (ICU 74–78) that the IANA database keeps
 * only as backward links to a renamed zone, with the name it uses now (tzdata's `backward` file).
 * test/unit/web-times.test.ts checks every pair against `Intl`: the old name is listed, the new
 * one is accepted and is the same zone.
 */
export const CURRENT_ZONE_NAMES: Readonly<Record<string, string>> = {
  'Africa/Asmera': 'Africa/Asmara',
  'America/Buenos_Aires': 'America/Argentina/Buenos_Aires',
  'America/Catamarca': 'America/Argentina/Catamarca',
  'America/Coral_Harbour': 'America/Atikokan',
  'America/Cordoba': 'America/Argentina/Cordoba',
  'America/Godthab': 'America/Nuuk',
  'America/Indianapolis': 'America/Indiana/Indianapolis',
  'America/Jujuy': 'America/Argentina/Jujuy',
  'America/Louisville': 'America/Kentucky/Louisville',
  'America/Mendoza': 'America/Argentina/Mendoza',
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Asia/Rangoon': 'Asia/Yangon',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
  'Europe/Kiev': 'Europe/Kyiv',
  'Pacific/Enderbury': 'Pacific/Kanton',
  'Pacific/Ponape': 'Pacific/Pohnpei',
  'Pacific/Truk': 'Pacific/Chuuk',
};

/** A zone by its current name (`Asia/Calcutta` → `Asia/Kolkata`); any other name as it is. */
export const currentZoneName = (zone: string): string => CURRENT_ZONE_NAMES[zone] ?? zone;

/** Every zone a user can choose, by its current name, in alphabetical order (UTC included). */
export const timeZoneChoices: readonly string[] = [...new Set(Intl.supportedValuesOf('timeZone').map(currentZoneName))].sort();

/** Whether `zone` names a time zone this runtime knows, by any of its names. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
