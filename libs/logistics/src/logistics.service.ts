import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull, Not } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { assertDeadlinePassed, badRequest, CaseDeadlines, CaseService, IllegalTransitionError, notFound, OrderAddress, OrderCustomer, ReturnCase, StaffNoticeKind } from '@returns/case';
import { databaseUnavailable, GroupCommit, GroupCommitOptions, insertManyStatement, preparedQuery } from '@returns/database';
import { CaseStatus, JobRequest, Jobs, parseTimestamp, ProviderHttpError, ReturnMethod, ShippingPayer, TrackingStatus } from '@returns/contracts';
import { casePolicy, PolicyService } from '@returns/policy';
import { OutboxService, Tx } from '@returns/queue';
import { Booking, CARRIER_GATEWAY, CarrierGateway } from './carrier-gateway.interface';
import { chooseCarrier } from './carrier-choice';
import { returnShippingCharge } from './return-shipping-charge';
import { Shipment, ShipmentStatus } from './shipment.entity';
import { TrackingEvent } from './tracking-event.entity';

export interface TrackingInput {
  carrier: string;
  trackingNumber: string;
  status: TrackingStatus;
  occurredAt: string;
  location?: string;
}

/**
 * How far along each parcel status is: a parcel never moves back to a lower rank. A delivery
 * outranks a loss: a parcel delivered is not lost whatever scan comes after (late, or the
 * carrier's mistake), and one reported lost and then delivered was found.
 */
const PARCEL_RANK: Record<ShipmentStatus, number> = {
  BOOKED: 0,
  EXCEPTION: 1,
  PICKED_UP: 2,
  IN_TRANSIT: 3,
  LOST: 4,
  DELIVERED_TO_WAREHOUSE: 5,
  DELIVERED: 5,
  CANCELLED: 6,
};

/** The rank of a parcel delivered (to the warehouse, or to whoever it was addressed to). */
const DELIVERED_RANK = PARCEL_RANK.DELIVERED_TO_WAREHOUSE;

/**
 * How far ahead of our clock a scan may be dated: carriers' clocks drift, and a busy day's
 * scans arrive in bursts. Beyond it the date is an error (a year off, day and month swapped)
 * that would outrank every real scan, a LOST among them (`seenSinceLost`).
 */
const SCAN_AHEAD_MAX_MS = 24 * 3_600_000;

/** Scans that say the carrier has the parcel in hand. */
const CARRIED: ReadonlySet<TrackingStatus> = new Set<TrackingStatus>(['PICKED_UP', 'IN_TRANSIT', 'DELIVERED_TO_WAREHOUSE', 'DELIVERED']);

/** A parcel we send from the warehouse to a customer: an item that failed inspection going back, or an exchange's replacement. */
export type OutboundKind = 'sent-back' | 'replacement';

interface OutboundNews {
  kind: StaffNoticeKind;
  what: string;
  action: string;
}

/**
 * Where each kind of outbound parcel is kept, how a notice names it, and what a scan of it
 * means for the agents (`applyOutboundScan`): lost on the way or brought back undelivered
 * (`news`), or delivered after it was reported lost (`found`).
 */
const OUTBOUND: Record<OutboundKind, { table: string; bookingKey: string; name: string; news: Partial<Record<TrackingStatus, OutboundNews>>; found: OutboundNews }> = {
  'sent-back': {
    table: 'sent_back_parcels',
    bookingKey: 'send-back',
    name: 'the item sent back to the customer',
    news: {
      LOST: { kind: 'sent-back-lost', what: 'was lost by the carrier', action: 'contact the customer' },
      DELIVERED_TO_WAREHOUSE: { kind: 'sent-back-undelivered', what: 'came back to the warehouse undelivered', action: 'contact the customer' },
    },
    found: { kind: 'sent-back-delivered', what: 'reported lost, was delivered to the customer after all', action: 'no need to contact the customer' },
  },
  replacement: {
    table: 'replacement_parcels',
    bookingKey: 'replacement',
    name: 'the replacement sent to the customer',
    news: {
      LOST: { kind: 'replacement-lost', what: 'was lost by the carrier', action: 'send another, or refund the customer' },
      DELIVERED_TO_WAREHOUSE: { kind: 'replacement-undelivered', what: 'came back to the warehouse undelivered', action: 'contact the customer' },
    },
    found: { kind: 'replacement-delivered', what: 'reported lost, was delivered to the customer after all', action: 'send no other' },
  },
};

/** A carrier's booking of a parcel sent to a customer, with the carrier chosen and the currency of its cost. */
type OutboundBooking = Booking & { carrier: string; costCurrency: string };

/** A carrier's booking for one case, with what recording it needs. */
type CarrierBooking = Awaited<ReturnType<CarrierGateway['book']>> & {
  caseId: string;
  carrier: string;
  /** ISO currency of `costMinor`: the quote's (the carriers charge at their quote) */
  costCurrency: string;
  method: ReturnMethod;
  freePickup: boolean;
};

/** What booking one case needs to know (`bookingSubjects`). */
interface BookingSubject {
  id: string;
  orderId: string;
  returnMethod: ReturnMethod | null;
  /** The policy versions its decision was made under. */
  policyVersion: string | null;
  address: OrderAddress | null;
  customer: OrderCustomer;
  lines: { category: string; unitPrice: number; quantity: number }[];
}

/** A case locked to record its booking (`lockBooked`): what the move and the next jobs need. */
type BookedCase = Pick<ReturnCase, 'id' | 'status' | 'type' | 'shippingPaidBy' | 'currency' | 'deadlines' | 'priority' | 'updatedAt'>;

/** Most cases booked in one transaction, and most such transactions at once per worker process. */
const BOOKING_BATCH: GroupCommitOptions = { name: 'booking', maxBatch: 50, inFlight: 2 };

/** What tells the customer of a booking: the label to print, or the pickup booked, with the carrier and tracking number. */
function bookedMessage(
  b: Pick<Shipment, 'caseId' | 'method' | 'carrier' | 'trackingNumber' | 'pickupWindow'>,
  priority: number,
): JobRequest {
  const params = { carrier: b.carrier, trackingNumber: b.trackingNumber, ...(b.pickupWindow ? { pickupFrom: b.pickupWindow.from } : {}) };
  return Jobs.notify(b.caseId, b.method === 'PICKUP' ? 'pickup.booked' : 'label.ready', params, priority);
}

/** What tells a customer their item failed at inspection is on its way back. */
function sentBackMessage(caseId: string, carrier: string, trackingNumber: string, priority?: number): JobRequest {
  return Jobs.notify(caseId, 'item.sent_back', { carrier, trackingNumber }, priority);
}

function replacementMessage(caseId: string, carrier: string, trackingNumber: string, priority?: number): JobRequest {
  return Jobs.notify(caseId, 'exchange.shipped', { carrier, trackingNumber }, priority);
}

/**
 * Return logistics: books the courier, follows the parcel, takes it in at the warehouse;
 * sends back to its customer an item that failed inspection, and ships an exchange's replacement.
 */
@Injectable()
export class LogisticsService implements OnApplicationShutdown {
  private readonly logger = new Logger(LogisticsService.name);
  private readonly bookings = new GroupCommit<string, Error | null>((caseIds) => this.bookMany(caseIds), BOOKING_BATCH, databaseUnavailable);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CARRIER_GATEWAY) private readonly carrier: CarrierGateway,
    private readonly outbox: OutboxService,
    private readonly cases: CaseService,
    private readonly policies: PolicyService,
  ) {}

  /** After the outbox drained every group commit (beforeApplicationShutdown). */
  onApplicationShutdown(): void {
    this.bookings.close();
  }

  /**
   * Books a label or door pickup for an approved case. The carrier call is made outside
   * the transaction with the case id as booking key, so a replay books nothing new. The
   * jobs a worker runs at the same time are booked together (see `bookMany`).
   * @param triedBefore an earlier attempt of the job started (it failed, or its worker died):
   *   the carrier may hold a booking we never recorded, which a case cancelled or closed
   *   since must not keep (`releaseUnrecorded`)
   */
  async book(caseId: string, triedBefore = false): Promise<void> {
    if (triedBefore && (await this.releaseUnrecorded(caseId))) return;
    const failure = await this.bookings.submit(caseId);
    if (failure) throw failure;
  }

  /**
   * For a case cancelled or closed with no shipment recorded, after a booking attempt whose
   * outcome we never learnt (the carrier may have booked and our call timed out): books again
   * under the same key, which answers the carrier's booking if it made one (or makes one), and
   * cancels it, so no courier comes for a return that is over.
   * @returns whether the case was such a one
   */
  private async releaseUnrecorded(caseId: string): Promise<boolean> {
    const [subject] = await this.bookingSubjects([caseId], ['CANCELLED', 'CLOSED']);
    if (!subject || (await this.findByCase(caseId)) || !subject.address) return !!subject;
    let booking: CarrierBooking;
    try {
      booking = await this.bookWithCarrier(subject);
    } catch (error) {
      // A refusal (4xx) books nothing under the key, so none was made before: nothing to release.
      if (error instanceof ProviderHttpError && error.status !== null && error.status >= 400 && error.status < 500) {
        this.logger.log(`case ${caseId}: the carrier refuses its booking key (${error.message}): no booking to release`);
        return true;
      }
      throw error; // asked again by the job's next attempt
    }
    await this.carrier.cancel(booking.trackingNumber);
    this.logger.warn(`case ${caseId}: released ${booking.carrier} ${booking.trackingNumber}, booked by an attempt whose answer was lost, the case being over`);
    return true;
  }

  /**
   * Books a batch: one read of what booking needs of every case, the carrier calls at once,
   * then one transaction that locks the cases (in id order), records every
   * shipment in one insert, moves each case, and records the next jobs in one insert.
   * The customers of cases the carrier failed hear of their approval now (`tellApprovalAlone`).
   * @returns per case, null or why it could not be booked (that job fails and is retried)
   */
  private async bookMany(caseIds: string[]): Promise<(Error | null)[]> {
    const failures = new Map<string, Error>();
    const subjects = await this.bookingSubjects([...new Set(caseIds)]);
    if (!subjects.length) return caseIds.map(() => null);

    const booked = (
      await Promise.all(
        subjects.map(async (subject) => {
          try {
            return await this.bookWithCarrier(subject);
          } catch (error) {
            failures.set(subject.id, error as Error);
            return null;
          }
        }),
      )
    ).filter((b): b is CarrierBooking => b !== null);
    if (booked.length) for (const [caseId, error] of await this.recordBookings(booked)) failures.set(caseId, error);
    if (failures.size) await this.tellApprovalAlone([...failures.keys()]);
    const homeless = subjects.filter((s) => !s.address);
    if (homeless.length) await this.tellAgentsNoAddress(homeless);
    return caseIds.map((id) => failures.get(id) ?? null);
  }

  /**
   * Tells the agents, once per case, of an approved return whose order has no address to
   * collect it from: no retry can book it until upstream sends the order again with one.
   * Only logged when that fails: the job fails anyway, and its retry tells them.
   */
  private async tellAgentsNoAddress(subjects: BookingSubject[]): Promise<void> {
    await this.dataSource
      .transaction(async (manager) => {
        for (const { id, orderId } of [...subjects].sort((a, b) => (a.id < b.id ? -1 : 1))) {
          await this.tellAgents(manager, id, 'no-address', `order ${orderId} has no address to collect the return from: upstream must send it again with one (PUT /v1/orders/${orderId}); the booking is retried, and after its last attempt an admin redrives it (retry-failed on the logistics queue)`);
        }
      })
      .catch((error: Error) => this.logger.warn(`could not tell the agents of ${subjects.length} order(s) with no address: ${error.message}`));
  }

  /**
   * Records what the carrier booked, in one transaction, and releases the bookings of cases
   * cancelled while it was booking them.
   * @returns per case whose booking the carrier failed to release, why: its job fails, and its
   *   retry releases it (`releaseUnrecorded`), as no shipment is recorded for a later cancel to find
   */
  private async recordBookings(booked: CarrierBooking[]): Promise<Map<string, Error>> {
    const cancelled = await this.outbox.transaction(async (tx) => {
      const locked = await this.lockBooked(tx, booked.map((b) => b.caseId));
      // Cancelled while we were booking: those bookings are released below, never recorded.
      const released = booked.filter((b) => locked.get(b.caseId)?.status === 'CANCELLED');
      const recorded = booked.filter((b) => locked.get(b.caseId)?.status === 'APPROVED');
      if (!recorded.length) return released;
      const now = new Date();
      // The shipments, the moves and the outbox row in one round trip, at commit.
      tx.atCommit(
        insertManyStatement(
          tx.manager,
          Shipment,
          recorded.map((b) => ({
            id: randomUUID(),
            caseId: b.caseId,
            carrier: b.carrier,
            trackingNumber: b.trackingNumber,
            method: b.method,
            labelUrl: b.labelUrl,
            pickupWindow: b.pickupWindow,
            costMinor: b.costMinor,
            costCurrency: b.costCurrency,
            paidBy: locked.get(b.caseId)!.shippingPaidBy,
            status: 'BOOKED' as const,
            statusAt: now,
            createdAt: now,
            updatedAt: now,
          })),
        )!,
      );
      const shipBackBy = new Date(now.getTime() + this.config.deadlines.shipBackMs).toISOString();
      const moves = recorded.map((b) => {
        const subject = locked.get(b.caseId)!;
        // A pickup the customer pays for is deducted from the refund, when its cost is in the order's currency.
        const charge = returnShippingCharge({
          method: b.method,
          paidBy: subject.shippingPaidBy,
          freePickup: b.freePickup,
          costMinor: b.costMinor,
          costCurrency: b.costCurrency,
          orderCurrency: subject.currency,
        });
        if (charge.notDeducted) this.logger.log(`case ${b.caseId}: ${charge.notDeducted}`);
        tx.enqueue(bookedMessage(b, subject.priority), Jobs.deadline(b.caseId, 'ship-back', this.config.deadlines.shipBackMs));
        return {
          subject,
          to: 'AWAITING_SHIPMENT' as const,
          note: `${b.carrier} ${b.trackingNumber}${charge.notDeducted ? `; ${charge.notDeducted}` : ''}`,
          fields: { returnShippingChargeMinor: charge.chargeMinor, deadlines: { ...subject.deadlines, shipBackBy } },
        };
      });
      tx.atCommit(...this.cases.transitionStatements(tx.manager, moves, 'system:logistics'));
      return released;
    });
    const unreleased = new Map<string, Error>();
    for (const b of cancelled) {
      await this.carrier.cancel(b.trackingNumber).catch((e: Error) => {
        this.logger.warn(`case ${b.caseId}: could not release ${b.carrier} ${b.trackingNumber}, booked as the case was cancelled; its retry will: ${e.message}`);
        unreleased.set(b.caseId, e);
      });
    }
    return unreleased;
  }

  /**
   * The carrier could not book these cases this time: their customers hear of the approval
   * now, on its own, instead of with the label a retry will bring. Not a case cancelled
   * during the call (the cases are read under the lock a cancel takes too). The message's
   * job id and the notifications it leaves make retries tell it once. Runs after the
   * batch's bookings are recorded, and a failure here (the database going away) is only
   * logged: those cases' jobs fail anyway, and their retry tells them, or books them and
   * sends the label, which says the return was approved.
   */
  private async tellApprovalAlone(caseIds: string[]): Promise<void> {
    await this.outbox
      .transaction(async (tx) => {
        for (const subject of (await this.lockBooked(tx, caseIds)).values()) {
          if (subject.status === 'APPROVED') tx.enqueue(Jobs.notify(subject.id, 'return.approved', {}, subject.priority));
        }
      })
      .catch((error: Error) => this.logger.warn(`could not tell ${caseIds.length} case(s) of their approval after a failed booking; their retries will: ${error.message}`));
  }

  /**
   * What booking needs of each case still APPROVED (others were booked before, or cancelled
   * meanwhile; `statuses` for others), with its order's address and customer and its lines,
   * in one statement that reads only the columns used: no entities, no jsonb column parsed
   * for nothing.
   */
  private async bookingSubjects(caseIds: string[], statuses: CaseStatus[] = ['APPROVED']): Promise<BookingSubject[]> {
    const rows: {
      id: string;
      order_id: string;
      return_method: ReturnMethod | null;
      policy_version: string | null;
      address: OrderAddress | null;
      customer: OrderCustomer;
      lines: BookingSubject['lines'] | null;
    }[] = await preparedQuery(
      this.dataSource,
      `SELECT c.id, c.order_id, c.return_method, c.decision ->> 'policyVersion' AS policy_version, o.address, o.customer,
              (SELECT json_agg(json_build_object('category', i.category, 'unitPrice', i.unit_price_minor, 'quantity', i.quantity) ORDER BY i.sku)
                 FROM return_items i WHERE i.case_id = c.id) AS lines
         FROM return_cases c JOIN orders o ON o.id = c.order_id
        WHERE c.id = ANY($1::uuid[]) AND c.status = ANY($2::text[])`,
      [caseIds, statuses],
    );
    return rows.map((r) => ({
      id: r.id,
      orderId: r.order_id,
      returnMethod: r.return_method,
      policyVersion: r.policy_version,
      address: r.address,
      customer: r.customer,
      lines: r.lines ?? [],
    }));
  }

  /** Locks cases of a booking batch in id order (as a cancel does), reading what recording them needs. */
  private async lockBooked(tx: Tx, caseIds: string[]): Promise<Map<string, BookedCase>> {
    const rows: { id: string; status: CaseStatus; type: BookedCase['type']; shipping_paid_by: ShippingPayer; currency: string; deadlines: CaseDeadlines; priority: number; updated_at: Date }[] =
      await preparedQuery(
        tx.manager,
        `SELECT id, status, type, shipping_paid_by, currency, deadlines, priority, updated_at FROM return_cases
          WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
        [caseIds],
      );
    return new Map(
      rows.map((r) => [
        r.id,
        { id: r.id, status: r.status, type: r.type, shippingPaidBy: r.shipping_paid_by, currency: r.currency, deadlines: r.deadlines, priority: r.priority, updatedAt: r.updated_at },
      ]),
    );
  }

  /** Chooses the carrier for one case and books it (the case id is the booking key). */
  private async bookWithCarrier(subject: BookingSubject): Promise<CarrierBooking> {
    if (!subject.address) throw new Error(`order ${subject.orderId} has no address to collect the return from`);
    const method = subject.returnMethod ?? 'DROP_OFF';
    const quote = chooseCarrier({ province: subject.address.province, method });
    const units = subject.lines.reduce((n, i) => n + i.quantity, 0);
    const freePickup = casePolicy(await this.policies.recordedBook(subject.policyVersion), subject.lines).freePickup;
    const booking = await this.carrier.book(
      { bookingKey: subject.id, carrier: quote.carrier, method, from: { name: subject.customer.name, phone: subject.customer.phone, ...subject.address }, units },
      quote.costMinor,
    );
    return { ...booking, caseId: subject.id, carrier: quote.carrier, costCurrency: quote.currency, method, freePickup };
  }

  /**
   * Stores a carrier's tracking event and queues it to be applied. A duplicate is stored
   * once and applied once. One dated more than a day ahead is refused (400 OCCURRED_AT_IN_FUTURE).
   */
  async recordTracking(input: TrackingInput): Promise<{ eventId: string; duplicate: boolean }> {
    const parcel = await this.parcelOf(input.carrier, input.trackingNumber);
    if (!parcel) throw notFound('TRACKING_NUMBER_NOT_FOUND', `no ${input.carrier} shipment with tracking number ${input.trackingNumber}`);
    const occurredAt = parseTimestamp(input.occurredAt);
    if (occurredAt.getTime() > Date.now() + SCAN_AHEAD_MAX_MS) {
      throw badRequest([`occurredAt ${input.occurredAt} is more than ${SCAN_AHEAD_MAX_MS / 3_600_000} hours in the future`], 'OCCURRED_AT_IN_FUTURE');
    }
    return this.outbox.transaction(async (tx) => {
      const id = randomUUID();
      const rows: { id: string }[] = await tx.manager.query(
        `INSERT INTO tracking_events (id, shipment_id, case_id, carrier, tracking_number, status, occurred_at, location)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (tracking_number, status, occurred_at) DO NOTHING RETURNING id`,
        [id, parcel.shipmentId, parcel.caseId, input.carrier, input.trackingNumber, input.status, occurredAt, input.location ?? null],
      );
      if (rows.length) {
        tx.enqueue(Jobs.applyTracking(id));
        return { eventId: id, duplicate: false };
      }
      const existing = await tx.manager.findOneByOrFail(TrackingEvent, {
        trackingNumber: input.trackingNumber,
        status: input.status,
        occurredAt,
      });
      return { eventId: existing.id, duplicate: true };
    });
  }

  /**
   * The parcel a carrier's tracking number is: a case's shipment coming in, or a parcel sent
   * to its customer (no shipment: an item that failed inspection going back, an exchange's
   * replacement); null when the carrier booked no such parcel with us. Carriers recycle
   * waybill numbers, so a number held by a parcel coming in and one going out is the newest
   * booking's: the older parcel's journey is over.
   */
  private async parcelOf(carrier: string, trackingNumber: string): Promise<{ caseId: string; shipmentId: string | null } | null> {
    const [parcel]: { case_id: string; shipment_id: string | null }[] = await this.dataSource.query(
      `SELECT case_id, id AS shipment_id, created_at FROM shipments WHERE tracking_number = $1 AND carrier = $2
       UNION ALL
       SELECT case_id, NULL, created_at FROM sent_back_parcels WHERE tracking_number = $1 AND carrier = $2
       UNION ALL
       SELECT case_id, NULL, created_at FROM replacement_parcels WHERE tracking_number = $1 AND carrier = $2
       ORDER BY created_at DESC LIMIT 1`,
      [trackingNumber, carrier],
    );
    return parcel ? { caseId: parcel.case_id, shipmentId: parcel.shipment_id } : null;
  }

  /** Applies a stored tracking event: the parcel and the case only ever move forwards (`PARCEL_RANK`: a delivery outranks a loss). */
  async applyTracking(eventId: string): Promise<void> {
    await this.outbox.transaction(async (tx) => {
      const event = await tx.manager.findOne(TrackingEvent, { where: { id: eventId } });
      if (!event || event.appliedAt) return;
      if (!event.shipmentId) return this.applyOutboundScan(tx, event);
      const subject = (await this.cases.lock(tx.manager, event.caseId))!;
      const shipment = (await tx.manager.findOne(Shipment, { where: { id: event.shipmentId } }))!;
      const moves = PARCEL_RANK[event.status] > PARCEL_RANK[shipment.status] && shipment.status !== 'CANCELLED' && !(await this.seenSinceLost(tx.manager, event));
      if (moves) {
        await tx.manager.update(Shipment, { id: shipment.id }, { status: event.status, statusAt: event.occurredAt, updatedAt: new Date() });
      }
      const actor = `carrier:${event.carrier}`;
      const note = [event.status, event.location].filter(Boolean).join(' @ ');
      if (subject.status === 'AWAITING_SHIPMENT' && event.status !== 'EXCEPTION') {
        await this.cases.transition(tx.manager, subject, 'IN_TRANSIT', actor, note);
      }
      // Lost only while the parcel is: a LOST scan after its delivery moves nothing.
      if (subject.status === 'IN_TRANSIT' && event.status === 'LOST' && moves) {
        await this.cases.transition(tx.manager, subject, 'LOST', actor, note);
        await this.refundLostParcel(tx, subject);
      }
      if ((subject.status === 'CANCELLED' || subject.status === 'CLOSED') && CARRIED.has(event.status)) {
        const state = subject.status === 'CANCELLED' ? 'cancelled' : 'closed unshipped';
        const message = `the carrier scanned the parcel (${event.carrier} ${event.trackingNumber}: ${note}) of a return ${state}: the goods are on their way; take them in or have them sent back`;
        await this.tellAgents(tx.manager, subject.id, 'parcel-after-close', message);
      }
      if (moves && shipment.status === 'LOST' && PARCEL_RANK[event.status] === DELIVERED_RANK) {
        await this.tellLostParcelArrived(tx.manager, subject.id, event, `was delivered after all (${event.status})`);
      }
      // Delivered at the warehouse's door: it has RECEIPT_DEADLINE to scan the parcel in
      // (POST /v1/returns/{id}/receive) before the agents are told to find it.
      if (moves && PARCEL_RANK[event.status] === DELIVERED_RANK && subject.status === 'IN_TRANSIT' && !subject.deadlines?.receiveBy) {
        tx.enqueue(await this.cases.setDeadline(tx.manager, subject, 'receipt', this.config.deadlines.receiptMs));
      }
      await tx.manager.update(TrackingEvent, { id: event.id }, { appliedAt: new Date() });
    });
  }

  /**
   * A scan of a parcel we sent to the customer (an item going back, an exchange's
   * replacement): the parcel only moves forwards; its case stays where it is. Lost on the
   * way, or brought back to the warehouse undelivered, it needs an agent: they are told once,
   * in the staff notifications, and once more should one reported lost be delivered after all.
   */
  private async applyOutboundScan(tx: Tx, event: TrackingEvent): Promise<void> {
    await this.cases.lock(tx.manager, event.caseId); // one scan of the case's parcels at a time
    const [parcel]: { kind: OutboundKind; status: ShipmentStatus; tracking_number: string; carrier: string }[] = await tx.manager.query(
      `SELECT 'sent-back' AS kind, status, tracking_number, carrier FROM sent_back_parcels WHERE case_id = $1 AND tracking_number = $2
       UNION ALL
       SELECT 'replacement', status, tracking_number, carrier FROM replacement_parcels WHERE case_id = $1 AND tracking_number = $2`,
      [event.caseId, event.trackingNumber],
    );
    const outbound = OUTBOUND[parcel.kind];
    if (PARCEL_RANK[event.status] > PARCEL_RANK[parcel.status] && !(await this.seenSinceLost(tx.manager, event))) {
      await tx.manager.query(`UPDATE ${outbound.table} SET status = $2, status_at = $3 WHERE case_id = $1`, [event.caseId, event.status, event.occurredAt]);
      const news = parcel.status === 'LOST' && event.status === 'DELIVERED' ? outbound.found : outbound.news[event.status];
      if (news) await this.tellAgents(tx.manager, event.caseId, news.kind, `${outbound.name} (${parcel.carrier} ${parcel.tracking_number}) ${news.what}: ${news.action}`);
    }
    await tx.manager.update(TrackingEvent, { id: event.id }, { appliedAt: new Date() });
  }

  /**
   * Whether `event` reports the parcel lost and the carrier scanned it after that (a late
   * LOST, or a parcel found again): such a report moves nothing. Any scan we hold counts,
   * applied or still queued.
   */
  private async seenSinceLost(manager: EntityManager, event: TrackingEvent): Promise<boolean> {
    if (event.status !== 'LOST') return false;
    const later: unknown[] = await manager.query(
      `SELECT 1 FROM tracking_events WHERE case_id = $1 AND tracking_number = $2 AND status <> 'LOST' AND occurred_at > $3 LIMIT 1`,
      [event.caseId, event.trackingNumber, event.occurredAt],
    );
    return later.length > 0;
  }

  /** The carrier lost the parcel: the merchant bears it, every unit is refunded. */
  private async refundLostParcel(tx: Tx, subject: ReturnCase): Promise<void> {
    await tx.manager.query('UPDATE return_items SET accepted_quantity = quantity WHERE case_id = $1', [subject.id]);
    await this.cases.update(tx.manager, subject.id, { returnShippingChargeMinor: 0 });
    await this.cases.transition(tx.manager, subject, 'REFUND_PENDING', 'system:logistics', 'parcel lost by the carrier');
    tx.enqueue(Jobs.issueRefund(subject.id, 1, subject.priority));
  }

  /**
   * The warehouse scanned the parcel. A scan that beats the carrier's first event moves
   * the case through IN_TRANSIT on the way.
   */
  async receive(caseId: string, actor: string): Promise<void> {
    try {
      await this.outbox.transaction(async (tx) => {
        const subject = await this.cases.lockForMove(tx.manager, caseId, 'RECEIVED');
        if (subject.status === 'AWAITING_SHIPMENT') {
          await this.cases.transition(tx.manager, subject, 'IN_TRANSIT', actor, 'scanned at the warehouse before any carrier event');
        }
        await this.cases.transition(tx.manager, subject, 'RECEIVED', actor, 'parcel scanned at the warehouse');
        await tx.manager.update(Shipment, { caseId }, { status: 'DELIVERED_TO_WAREHOUSE', statusAt: new Date(), updatedAt: new Date() });
        tx.enqueue(
          Jobs.notify(caseId, 'return.received', {}, subject.priority),
          Jobs.webhook(caseId, 'return.received'),
          await this.cases.setDeadline(tx.manager, subject, 'inspection', this.config.deadlines.inspectionMs),
        );
      });
    } catch (error) {
      // Refused (409); but a parcel refunded as lost that is in the warehouse's hands is news for
      // the agents. Telling them failing is logged: the answer stays the 409.
      if (error instanceof IllegalTransitionError) {
        await this.lostParcelScannedIn(caseId, actor).catch((e: Error) => this.logger.warn(`case ${caseId}: could not record a lost parcel scanned in: ${e.message}`));
      }
      throw error;
    }
  }

  /** The warehouse scanned the parcel of a case refunded as lost: it shows as delivered, and the agents are told. */
  private async lostParcelScannedIn(caseId: string, actor: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await this.cases.lock(manager, caseId); // the case before its shipment, as a carrier's scan takes them
      const [parcel]: { carrier: string; tracking_number: string }[] = await manager.query(
        // In a WITH: TypeORM answers a bare UPDATE with [rows, count], not the rows.
        `WITH found AS (UPDATE shipments SET status = 'DELIVERED_TO_WAREHOUSE', status_at = now(), updated_at = now() WHERE case_id = $1 AND status = 'LOST' RETURNING carrier, tracking_number)
         SELECT * FROM found`,
        [caseId],
      );
      if (parcel) await this.tellLostParcelArrived(manager, caseId, { carrier: parcel.carrier, trackingNumber: parcel.tracking_number }, `was scanned at the warehouse (${actor})`);
    });
  }

  /** Tells the agents, once, that a parcel the carrier reported lost, and the customer was refunded for, arrived after all. */
  private async tellLostParcelArrived(manager: EntityManager, caseId: string, parcel: { carrier: string; trackingNumber: string }, what: string): Promise<void> {
    await this.tellAgents(manager, caseId, 'lost-parcel-delivered', `the parcel (${parcel.carrier} ${parcel.trackingNumber}) the carrier reported lost, and the customer was refunded for, ${what}: take the goods in by hand`);
  }

  /** Leaves the agents a notice of `kind` for the case (once: `CaseService.notifyAgents`), and logs it the first time. */
  private async tellAgents(manager: EntityManager, caseId: string, kind: StaffNoticeKind, message: string): Promise<void> {
    if (await this.cases.notifyAgents(manager, caseId, kind, message)) this.logger.warn(`case ${caseId}: ${message}`);
  }

  /**
   * What logistics owes (`JobRecovery`), to events and cases since `since`: the applying of
   * each carrier event not yet applied; the booking of each approved return not yet booked;
   * for one booked and not yet sent, the customer's label or pickup message and the ship-back
   * deadline; for one delivered to the warehouse and not scanned in, its receipt deadline; for
   * one still waiting for inspection, its deadline; for one closed or cancelled,
   * the release of a courier booking still held; for a failed item, its sending back (or the
   * message of it), and for an exchange that passed inspection, its replacement (or the
   * message and webhook of it); for each receipt and closing since then, its
   * message and webhook, though the case has moved on. Deadlines are due when they were first
   * due; a message job that finds its message sent sends nothing.
   */
  async owedSince(since: Date): Promise<JobRequest[]> {
    const cases: (Pick<Shipment, 'method' | 'carrier' | 'trackingNumber' | 'pickupWindow'> & {
      id: string;
      status: CaseStatus;
      priority: number;
      shipBackBy: string | null;
      receiveBy: string | null;
      inspectBy: string | null;
      shipmentStatus: ShipmentStatus | null;
    })[] = await this.dataSource.query(
      `SELECT c.id, c.status, c.priority, c.deadlines->>'shipBackBy' AS "shipBackBy", c.deadlines->>'receiveBy' AS "receiveBy",
              c.deadlines->>'inspectBy' AS "inspectBy",
              s.method, s.carrier, s.tracking_number AS "trackingNumber", s.pickup_window AS "pickupWindow", s.status AS "shipmentStatus"
         FROM return_cases c LEFT JOIN shipments s ON s.case_id = c.id
        WHERE c.updated_at >= $1
          AND ((c.status = 'APPROVED' AND c.type <> 'REFUND_ONLY') OR c.status IN ('AWAITING_SHIPMENT', 'IN_TRANSIT', 'RECEIVED', 'CLOSED', 'CANCELLED'))`,
      [since],
    );
    const unapplied: { id: string }[] = await this.dataSource.query(`SELECT id FROM tracking_events WHERE applied_at IS NULL AND received_at >= $1`, [since]);
    const sentBack: { case_id: string; status: CaseStatus; priority: number; carrier: string | null; tracking_number: string | null }[] = await this.dataSource.query(
      `SELECT c.id AS case_id, c.status, c.priority, p.carrier, p.tracking_number FROM return_cases c LEFT JOIN sent_back_parcels p ON p.case_id = c.id
        WHERE c.status IN ('INSPECTION_FAILED', 'RETURNED_TO_CUSTOMER') AND c.updated_at >= $1
       UNION ALL
       -- Accepted in part (or with more units than the case has): what failed goes back though the case went on.
       SELECT c.id, c.status, c.priority, p.carrier, p.tracking_number
         FROM inspections i JOIN return_cases c ON c.id = i.case_id LEFT JOIN sent_back_parcels p ON p.case_id = c.id
        WHERE i.graded_at >= $1 AND c.status NOT IN ('INSPECTION_FAILED', 'RETURNED_TO_CUSTOMER')
          AND EXISTS (SELECT 1 FROM jsonb_array_elements(i.items) e WHERE e->>'disposition' = 'RETURN_TO_CUSTOMER')`,
      [since],
    );
    const replaced: { case_id: string; priority: number; carrier: string | null; tracking_number: string | null }[] = await this.dataSource.query(
      `SELECT c.id AS case_id, c.priority, p.carrier, p.tracking_number FROM return_cases c LEFT JOIN replacement_parcels p ON p.case_id = c.id
        WHERE c.type = 'EXCHANGE' AND c.status IN ('EXCHANGE_SHIPPED', 'COMPLETED') AND c.updated_at >= $1
          AND EXISTS (SELECT 1 FROM case_timeline t WHERE t.case_id = c.id AND t.to_status = 'EXCHANGE_SHIPPED')`,
      [since],
    );
    // What a receipt or a closing told, though the case has moved on since (a received one does soon).
    const told = await this.cases.movedSince(since, ['RECEIVED', 'CLOSED']);
    const now = Date.now();
    const dueIn = (at: string) => Date.parse(at) - now;
    return [
      // A carrier's event stored and never applied: left so, the case would be closed as never sent.
      ...unapplied.map((e) => Jobs.applyTracking(e.id)),
      // An item failed at inspection: to send back, or sent back and its customer told so.
      ...sentBack.map((c) =>
        c.tracking_number === null ? Jobs.sendBack(c.case_id, c.priority) : sentBackMessage(c.case_id, c.carrier!, c.tracking_number, c.priority),
      ),
      // An exchange that passed inspection: its replacement to ship, or shipped and its customer and upstream told so.
      ...replaced.flatMap((c) =>
        c.tracking_number === null
          ? [Jobs.shipReplacement(c.case_id, c.priority)]
          : [replacementMessage(c.case_id, c.carrier!, c.tracking_number, c.priority), Jobs.webhook(c.case_id, 'exchange.shipped')],
      ),
      ...told.flatMap(({ caseId, to, priority }) => {
        const event = to === 'RECEIVED' ? 'return.received' : 'return.closed';
        return [Jobs.notify(caseId, event, {}, priority), Jobs.webhook(caseId, event)];
      }),
      ...cases.flatMap((c): JobRequest[] => {
        switch (c.status) {
          case 'APPROVED':
            return [Jobs.bookShipment(c.id, c.priority)];
          case 'AWAITING_SHIPMENT':
            // The customer's label or pickup message (sent already, its job finds it so) and the deadline.
            return [
              ...(c.carrier ? [bookedMessage({ ...c, caseId: c.id }, c.priority)] : []),
              ...(c.shipBackBy ? [Jobs.deadline(c.id, 'ship-back', dueIn(c.shipBackBy))] : []),
            ];
          case 'IN_TRANSIT':
            // Delivered to the warehouse and not scanned in yet: the receipt deadline.
            return c.receiveBy ? [Jobs.deadline(c.id, 'receipt', dueIn(c.receiveBy))] : [];
          case 'RECEIVED':
            return c.inspectBy ? [Jobs.deadline(c.id, 'inspection', dueIn(c.inspectBy))] : [];
          default:
            // Closed or cancelled: a courier booking still held is released.
            return c.shipmentStatus === 'BOOKED' ? [Jobs.cancelShipment(c.id)] : [];
        }
      }),
    ];
  }

  /**
   * The ship-back deadline fired: close the case if the parcel never left (no scan of it by the carrier, applied or still queued).
   * @returns whether it acted
   */
  async onShipBackDeadline(caseId: string): Promise<boolean> {
    return this.outbox.transaction(async (tx) => {
      const subject = await this.cases.lock(tx.manager, caseId);
      if (!subject || subject.status !== 'AWAITING_SHIPMENT') return false;
      assertDeadlinePassed(subject, 'ship-back');
      if (await this.cases.pickedUp(tx.manager, caseId)) {
        this.logger.log(`case ${caseId}: not closed at its ship-back deadline, the carrier has picked the parcel up (its scan is still to be applied)`);
        return false;
      }
      await this.cases.transition(tx.manager, subject, 'CLOSED', 'system:ship-back-deadline', 'not shipped back in time');
      tx.enqueue(Jobs.notify(caseId, 'return.closed', {}, subject.priority), Jobs.webhook(caseId, 'return.closed'), Jobs.cancelShipment(caseId));
      return true;
    });
  }

  /**
   * The receipt deadline: the carrier delivered the return to the warehouse RECEIPT_DEADLINE
   * ago and nobody has scanned it in. The case cannot move (only the scan moves it on), so the
   * agents are told once to find the parcel, and the deadline counts as missed in
   * `GET /v1/admin/sla/breaches` until the scan.
   * @returns whether it told them (false: scanned in, or told before)
   * @throws DeadlineNotDue when its timer ran early
   */
  async onReceiptDeadline(caseId: string): Promise<boolean> {
    return this.outbox.transaction(async (tx) => {
      const subject = await this.cases.lock(tx.manager, caseId);
      if (!subject || subject.status !== 'IN_TRANSIT' || !subject.deadlines?.receiveBy) return false;
      assertDeadlinePassed(subject, 'receipt');
      const [delivered]: { carrier: string; tracking_number: string; status_at: Date }[] = await tx.manager.query(
        'SELECT carrier, tracking_number, status_at FROM shipments WHERE case_id = $1',
        [caseId],
      );
      const parcel = delivered ? `${delivered.carrier} ${delivered.tracking_number}, delivered ${new Date(delivered.status_at).toISOString()}` : 'its parcel';
      const told = await this.cases.notifyAgents(
        tx.manager,
        caseId,
        'receipt-overdue',
        `the carrier delivered return ${subject.rmaNumber} (${parcel}) to the warehouse, and it has not been scanned in by ${subject.deadlines.receiveBy}: find the parcel and receive it`,
      );
      if (told) this.logger.warn(`case ${caseId}: delivered to the warehouse and not scanned in by ${subject.deadlines.receiveBy}`);
      return told;
    });
  }

  /**
   * Sends what failed inspection back to its customer: books a courier to collect the units
   * graded RETURN_TO_CUSTOMER at the warehouse and take them to the order's address (booking
   * key `send-back:<case>`, so a replay books once), records the parcel and tells the
   * customer the carrier and tracking number. A failed return moves to RETURNED_TO_CUSTOMER;
   * a partly accepted one stays where its refund took it. Nothing is booked when no unit goes
   * back (all passed, or what failed never came) or the parcel is recorded already.
   */
  async sendBack(caseId: string): Promise<void> {
    const subject = await this.cases.find(caseId);
    if (!subject) return;
    const units = await this.unitsGoingBack(caseId);
    if (units === 0) return; // nothing failed, or what failed never came (MISSING)
    await this.sendOutbound(subject, 'sent-back', units, async (tx, locked, booked) => {
      // A failed return ends here; a partly accepted one goes on with its refund (or exchange) as it was.
      if (locked.status === 'INSPECTION_FAILED') {
        await this.cases.transition(tx.manager, locked, 'RETURNED_TO_CUSTOMER', 'system:logistics', `sent back: ${booked.carrier} ${booked.trackingNumber}`);
      }
      tx.enqueue(sentBackMessage(caseId, booked.carrier, booked.trackingNumber, locked.priority));
    });
  }

  /**
   * Ships the replacement of an exchange whose returned units passed inspection (the case is
   * EXCHANGE_SHIPPED, or COMPLETED since): books a courier to take as many units as were
   * accepted from the warehouse to the order's address (booking key `replacement:<case>`, so
   * a replay books once), records the parcel, and tells the customer the carrier and
   * tracking number (`exchange.shipped`) and upstream (webhook `exchange.shipped`: it picks
   * the replacement's variant, the case's items say which skus came back). Anything else is
   * left as it is.
   */
  async shipReplacement(caseId: string): Promise<void> {
    const subject = await this.cases.find(caseId);
    if (!subject || subject.type !== 'EXCHANGE' || !['EXCHANGE_SHIPPED', 'COMPLETED'].includes(subject.status)) return;
    // Passed inspection: not an exchange refunded in full because the carrier lost it, completed since.
    if (!(await this.cases.wasEver(this.dataSource.manager, caseId, 'EXCHANGE_SHIPPED'))) return;
    const units = (await this.cases.items(caseId)).reduce((n, item) => n + (item.acceptedQuantity ?? 0), 0);
    if (units === 0) return;
    await this.sendOutbound(subject, 'replacement', units, async (tx, locked, booked) => {
      tx.enqueue(replacementMessage(caseId, booked.carrier, booked.trackingNumber, locked.priority), Jobs.webhook(caseId, 'exchange.shipped'));
    });
  }

  /**
   * Sends a parcel of `kind` with `units` in it from the warehouse to the customer of
   * `subject`, once: books it (`bookOutbound`, outside any transaction), then in one
   * transaction with the case locked records it and, only if this run recorded it, does
   * `then` (the case's move, the messages).
   */
  private async sendOutbound(
    subject: ReturnCase,
    kind: OutboundKind,
    units: number,
    then: (tx: Tx, locked: ReturnCase, booked: OutboundBooking) => Promise<void>,
  ): Promise<void> {
    const booked = await this.bookOutbound(subject, kind, units);
    if (!booked) return; // sent before
    await this.outbox.transaction(async (tx) => {
      const locked = (await this.cases.lock(tx.manager, subject.id))!;
      if (await this.recordOutbound(tx, subject.id, kind, booked, units)) await then(tx, locked, booked);
    });
  }

  /**
   * Books a parcel of `kind` from the warehouse to the customer of `subject`, `units` in it,
   * under its booking key (`send-back:<case>`, `replacement:<case>`); null when its parcel is
   * recorded already.
   */
  private async bookOutbound(subject: ReturnCase, kind: OutboundKind, units: number): Promise<OutboundBooking | null> {
    const [parcel]: unknown[] = await this.dataSource.query(`SELECT 1 FROM ${OUTBOUND[kind].table} WHERE case_id = $1`, [subject.id]);
    if (parcel) return null;
    const order = await this.cases.order(subject.orderId);
    if (!order?.address) {
      await this.tellAgentsNoAddressToSend(subject);
      throw new Error(`order ${subject.orderId} has no address to send its ${kind} parcel to`);
    }
    const quote = chooseCarrier({ province: order.address.province, method: 'PICKUP' });
    const booking = await this.carrier.book(
      {
        bookingKey: `${OUTBOUND[kind].bookingKey}:${subject.id}`,
        carrier: quote.carrier,
        method: 'PICKUP',
        from: this.config.warehouseAddress,
        to: { name: order.customer.name, phone: order.customer.phone, ...order.address },
        units,
      },
      quote.costMinor,
    );
    return { ...booking, carrier: quote.carrier, costCurrency: quote.currency };
  }

  /**
   * Tells the agents, once per case, that its order has no address to send a parcel to (upstream
   * sent the order again without one): no retry can book it until upstream sends one. One
   * notice says it for both parcels an exchange partly accepted sends; a kind of its own, so a
   * case told before that it had no address to collect from is told this too. Only logged when
   * that fails: the job fails anyway, and its retry tells them.
   */
  private async tellAgentsNoAddressToSend(subject: ReturnCase): Promise<void> {
    const { id, orderId } = subject;
    const message =
      `order ${orderId} has no address to send the customer the units that failed inspection, or an exchange's replacement: ` +
      `upstream must send it again with one (PUT /v1/orders/${orderId}); sending is retried, and after its last attempt an admin redrives it (retry-failed on the logistics queue)`;
    await this.tellAgents(this.dataSource.manager, id, 'outbound-no-address', message).catch((error: Error) =>
      this.logger.warn(`could not tell the agents that order ${orderId} has no address to send case ${id}'s parcel to: ${error.message}`),
    );
  }

  /** Records a booked outbound parcel; false when another run recorded it first. */
  private async recordOutbound(tx: Tx, caseId: string, kind: OutboundKind, booked: OutboundBooking, units: number): Promise<boolean> {
    const recorded: unknown[] = await tx.manager.query(
      `INSERT INTO ${OUTBOUND[kind].table} (case_id, carrier, tracking_number, cost_minor, cost_currency, units) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (case_id) DO NOTHING RETURNING case_id`,
      [caseId, booked.carrier, booked.trackingNumber, booked.costMinor, booked.costCurrency, units],
    );
    return recorded.length > 0;
  }

  /**
   * Units of a graded return that go back to their customer: those its inspection graded
   * RETURN_TO_CUSTOMER (`unitsToSendBack` in libs/inspection, read here from the stored grading).
   */
  private async unitsGoingBack(caseId: string): Promise<number> {
    const [{ units }]: { units: number }[] = await this.dataSource.query(
      `SELECT COALESCE(sum((e->>'quantity')::int), 0)::int AS units
         FROM inspections i CROSS JOIN LATERAL jsonb_array_elements(COALESCE(i.items, '[]'::jsonb)) e
        WHERE i.case_id = $1 AND i.graded_at IS NOT NULL AND e->>'disposition' = 'RETURN_TO_CUSTOMER'`,
      [caseId],
    );
    return units;
  }

  /** Releases the courier booking of a case that ended before the parcel left. */
  async cancelBooking(caseId: string): Promise<void> {
    const shipment = await this.findByCase(caseId);
    if (!shipment || shipment.status !== 'BOOKED') return;
    const subject = await this.cases.find(caseId);
    if (!subject || !['CANCELLED', 'CLOSED'].includes(subject.status)) return;
    await this.carrier.cancel(shipment.trackingNumber);
    await this.dataSource.manager.update(Shipment, { id: shipment.id, status: 'BOOKED' }, { status: 'CANCELLED', updatedAt: new Date() });
  }

  findByCase(caseId: string): Promise<Shipment | null> {
    return this.dataSource.manager.findOne(Shipment, { where: { caseId } });
  }

  /**
   * The parcel of `kind` the case sent its customer, if any (an item that failed inspection
   * going back, an exchange's replacement), with the carrier's scans of it.
   */
  async outboundOf(caseId: string, kind: OutboundKind): Promise<OutboundParcel | null> {
    const [parcel]: { carrier: string; tracking_number: string; cost_minor: string; cost_currency: string; units: number | null; created_at: Date; status: ShipmentStatus; status_at: Date | null }[] =
      await this.dataSource.query(`SELECT carrier, tracking_number, cost_minor, cost_currency, units, created_at, status, status_at FROM ${OUTBOUND[kind].table} WHERE case_id = $1`, [caseId]);
    if (!parcel) return null;
    const events = await this.dataSource.manager.find(TrackingEvent, {
      where: { caseId, shipmentId: IsNull(), trackingNumber: parcel.tracking_number },
      order: { occurredAt: 'ASC' },
    });
    return {
      carrier: parcel.carrier,
      trackingNumber: parcel.tracking_number,
      costMinor: Number(parcel.cost_minor),
      costCurrency: parcel.cost_currency,
      units: parcel.units,
      at: new Date(parcel.created_at).toISOString(),
      status: parcel.status,
      statusAt: parcel.status_at && new Date(parcel.status_at).toISOString(),
      events: events.map((e) => ({ status: e.status, occurredAt: e.occurredAt.toISOString(), location: e.location })),
    };
  }

  /** The carrier's scans of a case's shipment (the parcel coming in). */
  eventsOf(caseId: string): Promise<TrackingEvent[]> {
    return this.dataSource.manager.find(TrackingEvent, { where: { caseId, shipmentId: Not(IsNull()) }, order: { occurredAt: 'ASC' } });
  }
}

/** A parcel sent to the customer (an item going back, an exchange's replacement), as the case view shows it. */
export interface OutboundParcel {
  carrier: string;
  trackingNumber: string;
  /** minor units the carrier charges, in `costCurrency`; the merchant pays it */
  costMinor: number;
  /** ISO 4217 code of `costMinor`: the carrier's, not necessarily the order's */
  costCurrency: string;
  /** units in it (null for an item sent back before they were recorded) */
  units: number | null;
  /** when it was booked */
  at: string;
  /** its furthest scan (BOOKED before any); DELIVERED when the customer has it */
  status: ShipmentStatus;
  statusAt: string | null;
  events: { status: TrackingStatus; occurredAt: string; location: string | null }[];
}
