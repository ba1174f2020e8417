import { randomUUID } from 'node:crypto';
import { Errors } from '../../errors.ts';
import type { Db } from '../../store/db.ts';
import type { IncentivesConfig, LockersConfig } from './config.ts';
import type { Ctx, Effects } from './context.ts';
import type { IncentiveOutcome } from './events.ts';

/** What the rule set sees at a return: no item id, no name; history is counted by the shopper's pseudonym. */
export interface IncentiveInput {
  reason: string;
  category: string;
  value: number | undefined;
  /** earlier returns of this shopper here (0 without a pseudonym) */
  priorReturns: number;
}
export interface IncentivePick {
  offer: string;
  text: string;
  /** the rule that matched: the explanation shown to staff and sent with the outcome events */
  rule: string;
}
export type IncentivePicker = (r: IncentiveInput) => IncentivePick | null;

/** `returns.incentives` as given, or the older single `returns.incentive` {reasons, offer} as one rule. */
export function incentiveRules(returns: LockersConfig['returns']): IncentivesConfig {
  if (returns.incentives) return returns.incentives;
  if (!returns.incentive) return { offers: {}, rules: [] };
  return { offers: { default: returns.incentive.offer }, rules: [{ id: 'reason', when: { reasons: returns.incentive.reasons }, offer: 'default' }] };
}

/** First rule whose conditions all hold wins (an absent condition holds); no rule, no offer. Pure. */
export function ruleSetPicker(cfg: IncentivesConfig): IncentivePicker {
  return (r) => {
    for (const rule of cfg.rules) {
      const w = rule.when;
      const holds =
        (!w.reasons || w.reasons.includes(r.reason)) &&
        (!w.categories || w.categories.includes(r.category)) &&
        (w.minValue === undefined || (r.value !== undefined && r.value >= w.minValue)) &&
        (w.maxValue === undefined || (r.value !== undefined && r.value <= w.maxValue)) &&
        (w.minPriorReturns === undefined || r.priorReturns >= w.minPriorReturns) &&
        (w.maxPriorReturns === undefined || r.priorReturns <= w.maxPriorReturns);
      const text = cfg.offers[rule.offer];
      if (holds && text) return { offer: rule.offer, text, rule: rule.id };
    }
    return null;
  };
}

interface IncentiveRow {
  offer_id: string;
  return_id: string;
  offer: string;
  rule: string;
  status: IncentiveOutcome['status'];
  shown_at: number;
  accepted_at: number | null;
  redeemed_at: number | null;
  redeemed_via: string | null;
}

const outcome = (r: IncentiveRow, at: number, channel?: string): IncentiveOutcome => ({
  offerId: r.offer_id,
  returnId: r.return_id,
  offer: r.offer,
  rule: r.rule,
  status: r.status,
  at: new Date(at).toISOString(),
  ...(channel ? { channel } : {}),
});

/** The offer was shown (locker display or service desk): recorded with the rule that picked it. */
export async function offerShown(ctx: Ctx, tx: Db, fx: Effects, controllerId: string | null, returnId: string, pick: IncentivePick) {
  const now = ctx.now();
  const row: IncentiveRow = {
    offer_id: randomUUID(),
    return_id: returnId,
    offer: pick.offer,
    rule: pick.rule,
    status: 'shown',
    shown_at: now,
    accepted_at: null,
    redeemed_at: null,
    redeemed_via: null,
  };
  await tx.run("INSERT INTO locker_incentives (offer_id, return_id, offer, rule, status, shown_at) VALUES (?, ?, ?, ?, 'shown', ?)", [
    row.offer_id,
    returnId,
    pick.offer,
    pick.rule,
    now,
  ]);
  emitOutcome(ctx, fx, controllerId, 'locker.incentive.shown', outcome(row, now));
  return row.offer_id;
}

function emitOutcome(ctx: Ctx, fx: Effects, controllerId: string | null, type: `locker.incentive.${IncentiveOutcome['status']}`, data: IncentiveOutcome) {
  const key = `${data.offerId}\0${data.status}`;
  if (controllerId) fx.emit(type, controllerId, data, key);
  else fx.emitGateway(type, data, key);
  fx.after(() => ctx.metrics.incentives.inc({ offer: ctx.label(data.offer, Object.keys(incentiveRules(ctx.cfg.returns).offers)), outcome: data.status }));
}

/** The shopper accepted or declined a shown offer (keypad answer at the locker, or staff at the desk). */
export async function answerOffer(ctx: Ctx, tx: Db, fx: Effects, controllerId: string | null, offerId: string, answer: 'accept' | 'decline') {
  const r = await tx.get<IncentiveRow>('SELECT * FROM locker_incentives WHERE offer_id = ?', [offerId]);
  if (!r) throw new Errors.notFound(`offer ${offerId}`);
  if (r.status !== 'shown') throw new Errors.conflict(`offer ${offerId} is ${r.status}`);
  const status = answer === 'accept' ? 'accepted' : 'declined';
  const now = ctx.now();
  await tx.run('UPDATE locker_incentives SET status = ?, accepted_at = ? WHERE offer_id = ?', [status, answer === 'accept' ? now : null, offerId]);
  emitOutcome(ctx, fx, controllerId, `locker.incentive.${status}`, outcome({ ...r, status }, now));
  return { offerId, status };
}

/**
 * The offer was used: reported by the POS (HTTP, its own token) or the cloud (`incentive.redeemed` on the bus).
 * Idempotent: a second report of the same redemption changes nothing. A declined offer cannot be redeemed.
 */
export async function redeemOffer(ctx: Ctx, tx: Db, fx: Effects, offerId: string, at: number, channel: string) {
  const r = await tx.get<IncentiveRow>('SELECT * FROM locker_incentives WHERE offer_id = ?', [offerId]);
  if (!r) throw new Errors.notFound(`offer ${offerId}`);
  if (r.status === 'redeemed') return { offerId, status: r.status, redeemedVia: r.redeemed_via, already: true };
  if (r.status === 'declined') throw new Errors.conflict(`offer ${offerId} was declined`);
  await tx.run("UPDATE locker_incentives SET status = 'redeemed', redeemed_at = ?, redeemed_via = ? WHERE offer_id = ?", [at, channel, offerId]);
  emitOutcome(ctx, fx, null, 'locker.incentive.redeemed', outcome({ ...r, status: 'redeemed' }, at, channel));
  return { offerId, status: 'redeemed', redeemedVia: channel, already: false };
}

/** Per offer: how often it was shown, accepted and redeemed (an accepted one that was redeemed counts in both). */
export async function conversion(db: Db, cfg: IncentivesConfig) {
  const rows = await db.all<{ offer: string; shown: number; accepted: number; declined: number; redeemed: number }>(
    `SELECT offer, COUNT(*) AS shown,
       SUM(CASE WHEN accepted_at IS NOT NULL THEN 1 ELSE 0 END) AS accepted,
       SUM(CASE WHEN status = 'declined' THEN 1 ELSE 0 END) AS declined,
       SUM(CASE WHEN status = 'redeemed' THEN 1 ELSE 0 END) AS redeemed
     FROM locker_incentives GROUP BY offer ORDER BY offer`,
  );
  return rows.map((r) => ({
    offer: r.offer,
    text: cfg.offers[r.offer] ?? null,
    shown: r.shown,
    accepted: r.accepted,
    declined: r.declined,
    redeemed: r.redeemed,
    acceptedRate: r.shown ? r.accepted / r.shown : 0,
    redeemedRate: r.shown ? r.redeemed / r.shown : 0,
  }));
}
