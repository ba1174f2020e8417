export function buildDist(opts?: { quiet?: boolean }): Promise<{ changed: number; files: string[] }>;
