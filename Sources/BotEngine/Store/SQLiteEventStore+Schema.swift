import GRDB

extension SQLiteEventStore {
    /// The schema, as GRDB migrations: each runs once per file, in order, and is recorded in
    /// `grdb_migrations`, so opening a file again (or from another process) applies only what is new.
    ///
    /// Dates are REAL seconds since 1970; JSON is compact text. A migration is never edited once
    /// released: a change is a new migration.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: events, keys, steps, snapshots, plugin state") { db in
            // `seq` orders the inbox; AUTOINCREMENT keeps it increasing even after pruning removed the
            // newest rows, so a later event can never sort before an earlier one.
            // `keys` (a JSON array) keeps the event's own keys in their order, so the event reads back
            // whole after `event_keys` has been pruned.
            try db.execute(
                sql: """
                    CREATE TABLE events (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        type TEXT NOT NULL,
                        source TEXT NOT NULL,
                        origin TEXT NOT NULL,
                        time REAL NOT NULL,
                        subject_kind TEXT,
                        subject_uid TEXT,
                        data TEXT NOT NULL,
                        keys TEXT NOT NULL,
                        chain_depth INTEGER NOT NULL DEFAULT 0,
                        replay_of TEXT,
                        status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done')),
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at REAL,
                        stored_at REAL NOT NULL,
                        finished_at REAL,
                        CHECK ((subject_kind IS NULL) = (subject_uid IS NULL))
                    );
                    -- claim (pending in seq order), releaseRunning, queueDepth.
                    CREATE INDEX events_status_seq ON events(status, seq);
                    -- claim's per-subject check: the unfinished events of one subject, in seq order.
                    CREATE INDEX events_open_subject ON events(subject_kind, subject_uid, seq)
                        WHERE status IN ('pending', 'running');
                    -- prune.
                    CREATE INDEX events_done_finished ON events(finished_at) WHERE status = 'done';
                    -- recentEvents.
                    CREATE INDEX events_stored_at ON events(stored_at);

                    -- No foreign key to events: keys outlive the events they deduplicate
                    -- (store.key_retention is longer than store.retention).
                    CREATE TABLE event_keys (
                        key TEXT PRIMARY KEY NOT NULL,
                        event_id TEXT NOT NULL,
                        first_seen REAL NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX event_keys_first_seen ON event_keys(first_seen);

                    -- The journal. Its rowid keeps the order in which the steps of one event began.
                    CREATE TABLE steps (
                        step_id TEXT PRIMARY KEY NOT NULL,
                        event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
                        rule TEXT NOT NULL,
                        action_index INTEGER NOT NULL,
                        plugin TEXT NOT NULL,
                        action TEXT NOT NULL,
                        status TEXT NOT NULL
                            CHECK (status IN ('running', 'done', 'skipped', 'deferred', 'retry', 'dead')),
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at REAL,
                        detail TEXT,
                        intent_at REAL,
                        updated_at REAL NOT NULL
                    );
                    CREATE INDEX steps_event ON steps(event_id);
                    CREATE INDEX steps_dead ON steps(updated_at) WHERE status = 'dead';

                    CREATE TABLE snapshots (
                        key TEXT PRIMARY KEY NOT NULL,
                        value TEXT NOT NULL,
                        updated_at REAL NOT NULL
                    ) WITHOUT ROWID;

                    CREATE TABLE plugin_state (
                        plugin TEXT NOT NULL,
                        key TEXT NOT NULL,
                        value TEXT NOT NULL,
                        updated_at REAL NOT NULL,
                        PRIMARY KEY (plugin, key)
                    ) WITHOUT ROWID;
                    """
            )
        }
        migrator.registerMigration("v2: throttle admissions in the journal") { db in
            // Set when a step is first written for a rule its throttle admitted, never updated: a restarted
            // dispatcher refills its throttle windows from them. Steps are pruned with their events, so a
            // window longer than store.retention is refilled only as far back as events are kept.
            try db.execute(
                sql: """
                    ALTER TABLE steps ADD COLUMN throttle_key TEXT;
                    ALTER TABLE steps ADD COLUMN admitted_at REAL;
                    CREATE INDEX steps_admitted ON steps(admitted_at) WHERE throttle_key IS NOT NULL;
                    """
            )
        }
        migrator.registerMigration("v3: discarded dead letters") { db in
            // Set by `dead-letters discard`: the step is skipped for good but, unlike a plugin's skip,
            // still holds back its rule's later actions, as the dead letter did.
            try db.execute(sql: "ALTER TABLE steps ADD COLUMN discarded_at REAL")
        }
        migrator.registerMigration("v4: events waiting only on deferred actions") { db in
            // 0 while a pending event waits only for actions deferred on purpose (an alert's group_wait):
            // it does not hold back the later events about its subject, which a wait of minutes would
            // otherwise stall. See `finish`.
            try db.execute(sql: "ALTER TABLE events ADD COLUMN holds_subject INTEGER NOT NULL DEFAULT 1")
        }
        migrator.registerMigration("v5: pending events by due time") { db in
            // A claim reads the pending events never tried in `seq` order and those due again after a
            // backoff by due time, each as a range of this index: with `(status, seq)` it walked every event
            // waiting on its backoff, on the writer, before reaching a due one. It replaces that index
            // rather than adding one, so an ingested event still costs one insert here; the other readers
            // of `(status, seq)` (releaseRunning, queueDepth) only ever used its `status`.
            try db.execute(
                sql: """
                    DROP INDEX events_status_seq;
                    CREATE INDEX events_status_due ON events(status, next_attempt_at, seq);
                    """
            )
        }
        return migrator
    }
}
