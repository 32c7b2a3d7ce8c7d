import { ReturnMethod } from '@returns/contracts';

export interface ParcelAddress {
  name?: string;
  phone?: string;
  province: string;
  city: string;
  district?: string;
  line: string;
  postalCode?: string;
}

export interface BookingRequest {
  /** Idempotency key: the same key books once, however often it is sent. */
  bookingKey: string;
  carrier: string;
  method: ReturnMethod;
  from: ParcelAddress;
  /** where the parcel goes; absent: the merchant's returns warehouse */
  to?: ParcelAddress;
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

/** A courier that books return labels and door pickups, and parcels from the warehouse back to a customer. */
export interface CarrierGateway {
  book(request: BookingRequest, quotedCostMinor: number): Promise<Booking>;
  cancel(trackingNumber: string): Promise<void>;
}

export const CARRIER_GATEWAY = Symbol('CARRIER_GATEWAY');
