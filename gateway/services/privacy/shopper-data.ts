/**
 * Every place a shopper's data can be, in one list: what export and erase cover. Table and column names come
 * from the owners' migrations (cited per entry). A capability that adds a table holding shopper data adds an
 * entry here; a table that does not exist (capability not installed) is skipped. Any table with a `shopper_id`
 * column that is not listed is covered too (matched by pseudonym, deleted), so nothing new is missed silently.
 *
 * Resolution starts from the handle's seeds (pseudonyms derived from the app id, or an order id) and follows
 * links: each matched row can add ids (`adds`) that match rows elsewhere, until nothing new turns up. Pseudonyms
 * are never added from rows: an order id reaches that order's fitting session and parcels, not the shopper's
 * whole presence history (someone holding only a receipt's order id cannot export a person's movements).
 */
export type Key = 'pseudonym' | 'presenceSession' | 'fittingSession' | 'order' | 'parcel' | 'return' | 'sizeRequest';

export interface ShopperTable {
  table: string;
  /** the group in receipts (same names as the retention classes where there is one) */
  dataClass: string;
  owner: string;
  /** a row is the shopper's when any of these columns holds one of the ids of that key */
  match: Array<[column: string, key: Key]>;
  /** ids a matched row adds for other tables */
  adds?: Array<[column: string, key: Key]>;
  /** default delete; `redact` keeps the row (someone else's accountability, e.g. staff's audit trail) and clears the columns */
  erase?: { redact: string[] };
}

/** Text (JSON) columns searched for any of the shopper's ids as a JSON string (`"id"`). */
export interface ShopperText {
  table: string;
  column: string;
  dataClass: string;
  owner: string;
  /** queued outbox rows go through the outbox store's API, with what each forwarder still owes of them */
  outbox?: boolean;
}

export const SHOPPER_TABLES: ShopperTable[] = [
  // presence-001-tables
  { table: 'shopper_sessions', dataClass: 'sessions', owner: 'presence-001-tables', match: [['shopper_id', 'pseudonym']], adds: [['id', 'presenceSession']] },
  { table: 'presence_events', dataClass: 'presence', owner: 'presence-001-tables', match: [['shopper_id', 'pseudonym']] },
  // fitting-001-sessions, fitting-002-shopper-session: a mirror session is the shopper's by pseudonym, store visit or order
  {
    table: 'fitting_room_sessions',
    dataClass: 'fittingRoom',
    owner: 'fitting-001-sessions',
    match: [
      ['shopper_id', 'pseudonym'],
      ['shopper_session_id', 'presenceSession'],
      ['id', 'fittingSession'],
    ],
    adds: [['id', 'fittingSession']],
  },
  {
    table: 'fitting_orders',
    dataClass: 'fittingRoom',
    owner: 'fitting-001-sessions',
    match: [
      ['session_id', 'fittingSession'],
      ['id', 'order'],
    ],
    adds: [
      ['id', 'order'],
      ['session_id', 'fittingSession'],
    ],
  },
  { table: 'fitting_items', dataClass: 'fittingRoom', owner: 'fitting-001-sessions', match: [['session_id', 'fittingSession']] },
  { table: 'fitting_suggestions', dataClass: 'fittingRoom', owner: 'fitting-001-sessions', match: [['session_id', 'fittingSession']] },
  {
    table: 'fitting_size_requests',
    dataClass: 'fittingRoom',
    owner: 'fitting-001-sessions',
    match: [['session_id', 'fittingSession']],
    adds: [['id', 'sizeRequest']],
  },
  // lockers-002-expected-parcels: an online order for pickup here (from the mirror: pseudonym and fitting session)
  {
    table: 'locker_expected_parcels',
    dataClass: 'lockerParcels',
    owner: 'lockers-002-expected-parcels',
    match: [
      ['order_id', 'order'],
      ['shopper_id', 'pseudonym'],
      ['session_id', 'fittingSession'],
    ],
    adds: [['order_id', 'order']],
  },
  // lockers-001-core: parcels and returns by order id
  // lockers-004-shopper-links: a pickup made with the app names the shopper's pseudonym and store visit
  {
    table: 'locker_parcels',
    dataClass: 'lockerParcels',
    owner: 'lockers-001-core',
    match: [
      ['order_id', 'order'],
      ['shopper_id', 'pseudonym'],
      ['shopper_session_id', 'presenceSession'],
    ],
    adds: [
      ['id', 'parcel'],
      ['order_id', 'order'],
    ],
  },
  // lockers-003-season: returns also carry the shopper's pseudonym (the keep-it rate guard) since this migration
  {
    table: 'locker_returns',
    dataClass: 'lockerParcels',
    owner: 'lockers-001-core',
    match: [
      ['order_id', 'order'],
      ['shopper_id', 'pseudonym'],
      ['shopper_session_id', 'presenceSession'],
    ],
    adds: [['id', 'return']],
  },
  // lockers-003-season: an order's parcel count, dimensions, pickup window and accessibility preference
  { table: 'locker_orders', dataClass: 'lockerParcels', owner: 'lockers-003-season', match: [['order_id', 'order']] },
  // lockers-003-season: the repurchase offer made at a return, and what the shopper did with it
  { table: 'locker_incentives', dataClass: 'lockerParcels', owner: 'lockers-003-season', match: [['return_id', 'return']] },
  // lockers-001-core: staff's audit trail stays (who opened which door), without the reference to the shopper's parcel
  {
    table: 'locker_audit',
    dataClass: 'lockerAudit',
    owner: 'lockers-001-core',
    match: [
      ['ref', 'order'],
      ['ref', 'parcel'],
      ['ref', 'return'],
    ],
    erase: { redact: ['ref'] },
  },
];

export const SHOPPER_TEXT: ShopperText[] = [
  // core-002-device-events: device messages (a mirror's order, a keypad's pickup) as received
  { table: 'device_events', column: 'data', dataClass: 'deviceEvents', owner: 'core-002-device-events' },
  // outbox-001-tables: events queued for the cloud, and those the cloud refused for good
  { table: 'outbox_events', column: 'body', dataClass: 'outbox', owner: 'outbox-001-tables', outbox: true },
  { table: 'outbox_dead_letters', column: 'body', dataClass: 'deadLetters', owner: 'outbox-001-tables' },
  // core-004-durable-deliveries: events handed between capabilities, not yet handled
  { table: 'durable_deliveries', column: 'event', dataClass: 'durableDeliveries', owner: 'core-004-durable-deliveries' },
  // health-001-alerts: an alert's details (a late size request names its request)
  { table: 'health_alerts', column: 'details', dataClass: 'alerts', owner: 'health-001-alerts' },
];
