import { sql, type Kysely } from 'kysely';

/** Workplace (SPEC W1): notices and read receipts, calendar, work journal, reminder events, notebook. */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
-- Notices go to org subtrees (audience_org_ids; a user's org path lists its ancestors, so matching is
-- one array overlap) and, when audience_roles is not empty, only to those roles.
CREATE TABLE notice (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  title             text NOT NULL,
  body              text NOT NULL DEFAULT '',
  format            text NOT NULL DEFAULT 'text' CHECK (format IN ('text','markdown')),
  priority          text NOT NULL DEFAULT 'normal' CHECK (priority IN ('normal','important','urgent')),
  pinned            boolean NOT NULL DEFAULT false,
  audience_org_ids  integer[] NOT NULL CHECK (cardinality(audience_org_ids) > 0),
  audience_roles    text[] NOT NULL DEFAULT '{}',
  attachments       jsonb NOT NULL DEFAULT '[]',
  publish_at        timestamptz NOT NULL DEFAULT now(),
  expire_at         timestamptz,
  status            text NOT NULL DEFAULT 'published' CHECK (status IN ('published','withdrawn')),
  withdrawn_at      timestamptz,
  publisher_id      integer NOT NULL REFERENCES app_user(id),
  org_id            integer NOT NULL REFERENCES org_unit(id),
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CHECK (expire_at IS NULL OR expire_at > publish_at)
);
CREATE INDEX notice_audience_idx ON notice USING gin (audience_org_ids);
CREATE INDEX notice_publish_idx ON notice (publish_at DESC) WHERE status = 'published';
CREATE INDEX notice_publisher_idx ON notice (publisher_id, created_at DESC);

CREATE TABLE notice_receipt (
  notice_id  bigint NOT NULL REFERENCES notice(id),
  user_id    integer NOT NULL REFERENCES app_user(id),
  read_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (notice_id, user_id)
);
CREATE INDEX notice_receipt_user_idx ON notice_receipt (user_id);

-- Calendar: an event is the owner's; "shared" events are also seen by an org subtree and/or listed users.
CREATE TABLE calendar_event (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  owner_id      integer NOT NULL REFERENCES app_user(id),
  title         text NOT NULL,
  starts_at     timestamptz NOT NULL,
  ends_at       timestamptz NOT NULL,
  all_day       boolean NOT NULL DEFAULT false,
  location      text,
  description   text,
  customer_id   bigint REFERENCES customer(id),
  shared        boolean NOT NULL DEFAULT false,
  share_org_id  integer REFERENCES org_unit(id),
  remind_at     timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CHECK (ends_at >= starts_at)
);
CREATE INDEX calendar_event_owner_idx ON calendar_event (owner_id, starts_at);
CREATE INDEX calendar_event_shared_idx ON calendar_event (starts_at) WHERE shared;
CREATE INDEX calendar_event_customer_idx ON calendar_event (customer_id) WHERE customer_id IS NOT NULL;

CREATE TABLE calendar_event_share (
  event_id  bigint NOT NULL REFERENCES calendar_event(id) ON DELETE CASCADE,
  user_id   integer NOT NULL REFERENCES app_user(id),
  PRIMARY KEY (event_id, user_id)
);
CREATE INDEX calendar_event_share_user_idx ON calendar_event_share (user_id);

-- Work journal: one entry per user and day (what was done, what is planned).
CREATE TABLE journal_entry (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id     integer NOT NULL REFERENCES app_user(id),
  entry_date  date NOT NULL,
  content     text NOT NULL DEFAULT '',
  plan        text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, entry_date)
);

-- Reminder events: fired by the workplace.fire-reminders job once remind_at has passed; the bell
-- counts those fired and not yet seen. A calendar event's reminder is one of these, linked back.
CREATE TABLE reminder_event (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id            integer NOT NULL REFERENCES app_user(id),
  customer_id        bigint REFERENCES customer(id),
  calendar_event_id  bigint UNIQUE REFERENCES calendar_event(id) ON DELETE CASCADE,
  title              text NOT NULL,
  note               text,
  remind_at          timestamptz NOT NULL,
  fired_at           timestamptz,
  seen_at            timestamptz,
  done_at            timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reminder_event_user_idx ON reminder_event (user_id, remind_at);
CREATE INDEX reminder_event_due_idx ON reminder_event (remind_at) WHERE fired_at IS NULL AND done_at IS NULL;
CREATE INDEX reminder_event_alert_idx ON reminder_event (user_id) WHERE fired_at IS NOT NULL AND seen_at IS NULL AND done_at IS NULL;
CREATE INDEX reminder_event_customer_idx ON reminder_event (customer_id) WHERE customer_id IS NOT NULL;

-- Notebook: personal notes, optionally about a customer, tagged.
CREATE TABLE note (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id      integer NOT NULL REFERENCES app_user(id),
  title        text NOT NULL,
  content      text NOT NULL DEFAULT '',
  customer_id  bigint REFERENCES customer(id),
  tags         text[] NOT NULL DEFAULT '{}',
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX note_user_idx ON note (user_id, updated_at DESC);
CREATE INDEX note_tags_idx ON note USING gin (tags);
CREATE INDEX note_customer_idx ON note (customer_id) WHERE customer_id IS NOT NULL;
`.execute(db);
}
