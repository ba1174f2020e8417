#!/usr/bin/env node
// The one entry point. TypeScript sources run through tsx's loader, so there is no build step:
// `npm install` from a clean clone is enough for `npx storegate`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../gateway/cli/index.ts');
await main(process.argv);
