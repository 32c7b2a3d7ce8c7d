import { InitialSchema1764140000000 } from './1764140000000-initial-schema';
import { IntakeDepth1764150000000 } from './1764150000000-intake-depth';
import { LeanWrites1764160000000 } from './1764160000000-lean-writes';
import { PhotoProbes1764170000000 } from './1764170000000-photo-probes';
import { RefundReconciliation1764180000000 } from './1764180000000-refund-reconciliation';
import { Feedback1764190000000 } from './1764190000000-feedback';
import { SentBackParcels1764200000000 } from './1764200000000-sent-back-parcels';
import { SentBackTracking1764210000000 } from './1764210000000-sent-back-tracking';
import { PhotoIndexPartial1764220000000 } from './1764220000000-photo-index-partial';
import { OutboxRowPerTransaction1764230000000 } from './1764230000000-outbox-row-per-transaction';
import { WaitingRequests1764240000000 } from './1764240000000-waiting-requests';
import { ReplacementParcels1764250000000 } from './1764250000000-replacement-parcels';
import { UpstreamEventsPerClient1764260000000 } from './1764260000000-upstream-events-per-client';
import { JudgeBatches1764270000000 } from './1764270000000-judge-batches';
import { AwaitingDelivery1764280000000 } from './1764280000000-awaiting-delivery';
import { CarrierCostCurrency1764290000000 } from './1764290000000-carrier-cost-currency';

/** Every migration, oldest first. Listed explicitly so the compiled app needs no glob. */
export const MIGRATIONS = [InitialSchema1764140000000, IntakeDepth1764150000000, LeanWrites1764160000000, PhotoProbes1764170000000, RefundReconciliation1764180000000, Feedback1764190000000, SentBackParcels1764200000000, SentBackTracking1764210000000, PhotoIndexPartial1764220000000, OutboxRowPerTransaction1764230000000, WaitingRequests1764240000000, ReplacementParcels1764250000000, UpstreamEventsPerClient1764260000000, JudgeBatches1764270000000, AwaitingDelivery1764280000000, CarrierCostCurrency1764290000000];
