import { ReturnMethod } from '@returns/contracts';

export interface BookingRequest {
  /** Idempotency key: the same key books once, however often it is sent. */
  bookingKey: string;
  carrier: string;
  method: ReturnMethod;
  from: { name?: string; phone?: string; province: string; city: string; district?: string; line: string; postalCode?: string };
  /** number of units in the parcel */
  units: number;
}

export interface Booking {
  trackingNumber: string;
  labelUrl: string | null;
  pickupWindow: { from: string; to: string } | null;
  /** minor units the carrier charges */
  costMinor: number;
}

/** A courier that books return labels and door pickups. */
export interface CarrierGateway {
  book(request: BookingRequest, quotedCostMinor: number): Promise<Booking>;
  cancel(trackingNumber: string): Promise<void>;
}

export const CARRIER_GATEWAY = Symbol('CARRIER_GATEWAY');
