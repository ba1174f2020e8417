/** Import rules from STYLE.md: devices/ is pure and never imports gateway/; services never import each other. */
module.exports = {
  forbidden: [
    { name: 'devices-are-pure', severity: 'error', from: { path: '^devices/' }, to: { path: '^(gateway|simulators)/' } },
    {
      name: 'services-do-not-import-each-other',
      severity: 'error',
      from: { path: '^gateway/services/([^/]+)/' },
      to: { path: '^gateway/services/([^/]+)/', pathNot: '^gateway/services/$1/' },
    },
    { name: 'simulators-talk-over-the-network', severity: 'error', from: { path: '^simulators/' }, to: { path: '^gateway/(?!clock\\.ts|log\\.ts|paths\\.ts)' } },
    {
      // the core (bus, store, ingest, broker, registry, http, …) knows no capability: capabilities plug into it
      name: 'core-does-not-import-services',
      severity: 'error',
      from: { path: '^gateway/', pathNot: '^gateway/(services/|main\\.ts|cli/|config/)' },
      to: { path: '^gateway/services/' },
    },
    { name: 'no-circular', severity: 'warn', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
