/** The gateway's version (package.json's), in its own module so the CLI prints it without loading the gateway. */
export const VERSION = '0.1.0';
