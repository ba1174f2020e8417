import Type, { type Static } from 'typebox';

/** `dashboard.*`: limits of the live (SSE) stream and the per-device message log. */
export const DashboardConfigSchema = Type.Object(
  {
    maxClients: Type.Integer({ minimum: 1, default: 200, description: 'live dashboard clients at once; more get 503' }),
    clientBufferBytes: Type.Integer({ minimum: 4096, default: 1024 * 1024, description: 'a client that falls this far behind is dropped' }),
    logLimit: Type.Integer({ minimum: 1, maximum: 1000, default: 50, description: 'messages shown per device' }),
  },
  { additionalProperties: false, default: {} },
);

export type DashboardConfig = Static<typeof DashboardConfigSchema>;
