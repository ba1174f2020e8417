import { mirrorDe } from './mirror.de.ts';
import { mirrorEn } from './mirror.en.ts';
import { staffDe } from './staff.de.ts';
import { staffEn } from './staff.en.ts';

/** One small catalog per page and language; a page gets every language of its own page (the shopper switches live). */
export const MIRROR_MESSAGES = { en: mirrorEn, de: mirrorDe };
export const STAFF_MESSAGES = { en: staffEn, de: staffDe };
