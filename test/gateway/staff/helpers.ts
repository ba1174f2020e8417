import { cleanEnv, runCli } from '../../helpers/cli.ts';

export { ADMIN_TOKEN, metricValue, STAFF_TOKEN, startGateway, until } from '../../helpers/gateway.ts';

/** the real CLI on a gateway's data dir (config from the environment only) */
export const runCliIn = (dataDir: string, args: string[]) => runCli(args, { env: cleanEnv({ STOREGATE_DATA_DIR: dataDir }) });
