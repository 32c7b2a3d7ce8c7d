import { MigrationInterface, QueryRunner } from 'typeorm';

/** The first schema: orders, buffered requests, cases and every stage's records. */
export class InitialSchema1764140000000 implements MigrationInterface {
  name = 'InitialSchema1764140000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE orders (
        id               text PRIMARY KEY,
        merchant_id      text NOT NULL,
        customer_id      text NOT NULL,
        customer         jsonb NOT NULL,
        address          jsonb,
        currency         char(3) NOT NULL,
        paid_at          timestamptz,
        delivered_at     timestamptz,
        payment          jsonb,
        items            jsonb NOT NULL,
        paid_total_minor bigint NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX orders_customer_idx ON orders (customer_id);

      -- A return request as accepted by POST /v1/returns: the idempotency record and
      -- the buffered body, kept until (and after) the intake worker opens its case.
      CREATE TABLE return_requests (
        id              uuid PRIMARY KEY,
        client_id       text NOT NULL,
        idempotency_key text NOT NULL,
        request_hash    text NOT NULL,
        rma_number      text NOT NULL UNIQUE,
        order_id        text NOT NULL,
        body            jsonb NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        UNIQUE (client_id, idempotency_key)
      );

      CREATE TABLE return_cases (
        id                           uuid PRIMARY KEY,
        rma_number                   text NOT NULL UNIQUE,
        order_id                     text NOT NULL REFERENCES orders (id),
        merchant_id                  text NOT NULL,
        customer_id                  text NOT NULL,
        type                         text NOT NULL,
        reason_code                  text NOT NULL,
        reason_text                  text,
        return_method                text,
        channel                      text,
        photos                       jsonb NOT NULL DEFAULT '[]',
        status                       text NOT NULL,
        decision                     jsonb,
        shipping_paid_by             text NOT NULL,
        currency                     char(3) NOT NULL,
        value_minor                  bigint NOT NULL,
        return_shipping_charge_minor bigint NOT NULL DEFAULT 0,
        deadlines                    jsonb NOT NULL DEFAULT '{}',
        priority                     integer NOT NULL DEFAULT 5,
        created_at                   timestamptz NOT NULL,
        updated_at                   timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX return_cases_status_idx ON return_cases (status, created_at DESC);
      CREATE INDEX return_cases_order_idx ON return_cases (order_id);
      CREATE INDEX return_cases_customer_idx ON return_cases (customer_id, created_at DESC);
      CREATE INDEX return_cases_merchant_idx ON return_cases (merchant_id, created_at DESC);
      CREATE INDEX return_cases_newest_idx ON return_cases (created_at DESC, id DESC);

      CREATE TABLE return_items (
        case_id           uuid NOT NULL REFERENCES return_cases (id),
        sku               text NOT NULL,
        name              text NOT NULL,
        category          text NOT NULL,
        quantity          integer NOT NULL CHECK (quantity > 0),
        unit_price_minor  bigint NOT NULL CHECK (unit_price_minor >= 0),
        accepted_quantity integer CHECK (accepted_quantity >= 0 AND accepted_quantity <= quantity),
        disposition       text,
        PRIMARY KEY (case_id, sku)
      );

      -- Append-only: nothing updates or deletes a timeline row.
      CREATE TABLE case_timeline (
        id          bigserial PRIMARY KEY,
        case_id     uuid NOT NULL REFERENCES return_cases (id),
        at          timestamptz NOT NULL DEFAULT clock_timestamp(),
        from_status text,
        to_status   text NOT NULL,
        actor       text NOT NULL,
        note        text
      );
      CREATE INDEX case_timeline_case_idx ON case_timeline (case_id, id);

      -- Transactional outbox: jobs a transaction decided to enqueue, added to BullMQ
      -- after commit and again by a sweep if the producer died in between.
      CREATE TABLE outbox (
        id            bigserial PRIMARY KEY,
        job_id        text NOT NULL UNIQUE,
        queue         text NOT NULL,
        name          text NOT NULL,
        data          jsonb NOT NULL,
        delay_ms      integer,
        priority      integer,
        created_at    timestamptz NOT NULL DEFAULT now(),
        dispatched_at timestamptz
      );
      CREATE INDEX outbox_pending_idx ON outbox (created_at) WHERE dispatched_at IS NULL;

      CREATE TABLE shipments (
        id              uuid PRIMARY KEY,
        case_id         uuid NOT NULL UNIQUE REFERENCES return_cases (id),
        carrier         text NOT NULL,
        tracking_number text NOT NULL UNIQUE,
        method          text NOT NULL,
        label_url       text,
        pickup_window   jsonb,
        cost_minor      bigint NOT NULL,
        paid_by         text NOT NULL,
        status          text NOT NULL,
        status_at       timestamptz,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE tracking_events (
        id              uuid PRIMARY KEY,
        shipment_id     uuid NOT NULL REFERENCES shipments (id),
        case_id         uuid NOT NULL REFERENCES return_cases (id),
        carrier         text NOT NULL,
        tracking_number text NOT NULL,
        status          text NOT NULL,
        occurred_at     timestamptz NOT NULL,
        location        text,
        received_at     timestamptz NOT NULL DEFAULT now(),
        applied_at      timestamptz,
        UNIQUE (tracking_number, status, occurred_at)
      );
      CREATE INDEX tracking_events_case_idx ON tracking_events (case_id, occurred_at);

      CREATE TABLE inspections (
        case_id      uuid PRIMARY KEY REFERENCES return_cases (id),
        inspector    text NOT NULL,
        submitted    jsonb NOT NULL,
        outcome      text,
        items        jsonb,
        submitted_at timestamptz NOT NULL DEFAULT now(),
        graded_at    timestamptz
      );

      CREATE TABLE refunds (
        id                     uuid PRIMARY KEY,
        case_id                uuid NOT NULL UNIQUE REFERENCES return_cases (id),
        order_id               text NOT NULL,
        amount_minor           bigint NOT NULL CHECK (amount_minor >= 0),
        currency               char(3) NOT NULL,
        breakdown              jsonb NOT NULL,
        method                 text NOT NULL,
        payment_transaction_id text,
        status                 text NOT NULL,
        idempotency_key        text NOT NULL UNIQUE,
        provider_refund_id     text,
        attempts               integer NOT NULL DEFAULT 0,
        last_error             text,
        created_at             timestamptz NOT NULL DEFAULT now(),
        updated_at             timestamptz NOT NULL DEFAULT now(),
        succeeded_at           timestamptz
      );
      CREATE INDEX refunds_order_idx ON refunds (order_id);

      CREATE TABLE notifications (
        id                  uuid PRIMARY KEY,
        case_id             uuid NOT NULL REFERENCES return_cases (id),
        event               text NOT NULL,
        channel             text NOT NULL,
        recipient           text NOT NULL,
        locale              text NOT NULL,
        body                text NOT NULL,
        status              text NOT NULL,
        provider_message_id text,
        attempts            integer NOT NULL DEFAULT 0,
        last_error          text,
        created_at          timestamptz NOT NULL DEFAULT now(),
        sent_at             timestamptz,
        UNIQUE (case_id, event, channel)
      );

      CREATE TABLE webhook_deliveries (
        id           uuid PRIMARY KEY,
        event_id     text NOT NULL,
        type         text NOT NULL,
        url          text NOT NULL,
        case_id      uuid NOT NULL,
        status       text NOT NULL,
        attempts     integer NOT NULL DEFAULT 0,
        last_error   text,
        created_at   timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        UNIQUE (event_id, url)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE webhook_deliveries, notifications, refunds, inspections, tracking_events,
        shipments, outbox, case_timeline, return_items, return_cases, return_requests, orders;
    `);
  }
}
