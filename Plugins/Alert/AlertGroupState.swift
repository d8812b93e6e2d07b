import BotKit

/// The alert groups as the plugin state holds them: the ``AlertGroupBook`` under `groups`, and each
/// waiting alert's text and event under a key of its own (``alertKey(_:)``).
///
/// The book lists a waiting alert by id and fingerprint only (``WaitingAlert``), so an action writes its
/// own alert once and then changes the book by a few dozen bytes: in a flood of a thousand alerts the
/// thousandth no longer rewrites the other 999 events. The sender reads the waiting alerts' keys when it
/// builds the group's message.
///
/// An alert's key is written before the book lists it, so a sender that finds the alert in the book finds
/// its key too (unless its action has just withdrawn it). It is removed by the alert's own action when
/// that action ends: delivered (also when another action's message carried it), skipped, failed or given
/// up on; an action always runs again until it ends, so no key outlives its action for long.
struct AlertGroupState: Sendable {
    let state: any PluginState

    /// Where one waiting alert is kept: under its action's idempotency key.
    static func alertKey(_ id: String) -> String { "alerts/\(id)" }

    /// The book. Unless `migrating` is false (a dry run writes nothing), alerts that an earlier version
    /// kept inline in the book are first moved to their own keys, then taken out of the book: the upgrade
    /// happens on the first read, whichever action reads first, and two actions doing it at once write
    /// the same values.
    func book(migrating: Bool) async throws -> AlertGroupBook {
        let book = AlertGroupBook(json: try await state.get(AlertGroupBook.stateKey))
        let inline = book.groups.values.flatMap(\.pending).compactMap(\.legacy)
        guard migrating, !inline.isEmpty else { return book }
        for alert in inline {
            let value = alert.json
            // An alert already moved keeps what was moved.
            try await state.update(Self.alertKey(alert.id)) { current in current ?? value }
        }
        let moved = Set(inline.map(\.id))
        let migrated = try await state.update(AlertGroupBook.stateKey) { current in
            guard current != nil else { return nil }
            var book = AlertGroupBook(json: current)
            book.detach(moved)
            return book.json
        }
        return AlertGroupBook(json: migrated)
    }

    /// Applies `change` to the book atomically and returns what it decided; with `creating` false, a book
    /// that is not there stays absent (and `change` is not applied).
    func change<Value: Sendable>(
        _ initial: Value,
        creating: Bool = true,
        _ change: @escaping @Sendable (inout AlertGroupBook) -> Value
    ) async throws -> Value {
        let result = UpdateResult(initial)
        try await state.update(AlertGroupBook.stateKey) { current in
            guard creating || current != nil else { return nil }
            var book = AlertGroupBook(json: current)
            result.value = change(&book)
            return book.json
        }
        return result.value
    }

    /// Keeps `alert` under its own key, replacing what an earlier run of its action left there.
    func save(_ alert: GroupedAlert) async throws {
        try await state.set(Self.alertKey(alert.id), alert.json)
    }

    /// Forgets the alert of the action `id`: its action has ended, or its alert left its group.
    func remove(_ id: String) async throws {
        try await state.remove(Self.alertKey(id))
    }

    /// The alerts of `waiting`, in order; nil for one whose key is gone (its action withdrew it meanwhile,
    /// or it is unreadable). `known` stand in for their own keys should those be gone (the sender's own
    /// alert: its action is the one running).
    func alerts(_ waiting: [WaitingAlert], known: [GroupedAlert]) async throws -> [GroupedAlert?] {
        let held = Dictionary(known.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var alerts: [GroupedAlert?] = []
        alerts.reserveCapacity(waiting.count)
        for entry in waiting {
            if let legacy = entry.legacy {
                alerts.append(legacy)
                continue
            }
            let stored = try await state.get(Self.alertKey(entry.id)).flatMap(GroupedAlert.init(json:))
            alerts.append(stored ?? held[entry.id])
        }
        return alerts
    }
}
