import { lockersStaffDe } from './staff.de.ts';
import { lockersStaffEn } from './staff.en.ts';

/** The same mechanism as the fitting room's (fitting/i18n): one small catalog per page and language. */
export const LOCKERS_STAFF_MESSAGES = { en: lockersStaffEn, de: lockersStaffDe };
