/**
 * Store staff as an HTTP client of the gateway (staff token): loading parcels into lockers, opening
 * compartments, bringing sizes to the fitting rooms, and reading what the gateway knows. Used by the scenario and `storegate simulate staff`.
 */
export interface StaffReply<T = Record<string, unknown>> {
  status: number;
  body: T;
}

export function createStaffClient(o: { httpUrl: string; token: string }) {
  async function call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<StaffReply<T>> {
    const res = await fetch(`${o.httpUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${o.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown = {};
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = { text };
    }
    return { status: res.status, body: parsed as T };
  }
  return {
    call,
    loadParcel: (orderId: string, size: string) =>
      call<{ parcelId: string; compartmentId: string; status: string; message?: string }>('POST', '/api/v1/lockers/parcels', { orderId, size }),
    parcel: (id: string) => call<{ status: string; orderId: string; compartmentId: string }>('GET', `/api/v1/lockers/parcels/${encodeURIComponent(id)}`),
    openCompartment: (id: string) => call('POST', `/api/v1/lockers/compartments/${encodeURIComponent(id)}/open`),
    lockers: () => call<{ compartments: Array<Record<string, unknown>>; alerts: Array<{ key: string; message: string }> }>('GET', '/api/v1/lockers'),
    returnReasons: () => call<{ reasons: Array<{ category: string; reason: string; count: number; kept: number }> }>('GET', '/api/v1/lockers/returns/reasons'),
    presence: () => call<{ shoppers: unknown[]; openSessions: number }>('GET', '/api/v1/presence'),
    sessions: (status: 'open' | 'closed') =>
      call<{ sessions: Array<{ status: string; visits: Array<{ zone: string }> }> }>('GET', `/api/v1/presence/sessions?status=${status}&limit=1000`),
    sizeRequests: (status: 'pending' | 'open' | 'claimed' | 'done' | 'cancelled' = 'pending') =>
      call<{ requests: Array<{ id: string; mirrorId: string; productId: string; size: string; status: string }> }>(
        'GET',
        `/api/v1/fitting/size-requests?status=${status}`,
      ),
    claimSizeRequest: (id: string) => call<{ status: string }>('POST', `/api/v1/fitting/size-requests/${encodeURIComponent(id)}/claim`),
    sizeRequestDone: (id: string) => call<{ status: string }>('POST', `/api/v1/fitting/size-requests/${encodeURIComponent(id)}/done`),
    beacons: () => call<{ beacons: Array<{ id: string; batteryMv: number | null; missing: boolean; batteryLow: boolean }> }>('GET', '/api/v1/beacons'),
  };
}
export type StaffClient = ReturnType<typeof createStaffClient>;
