/// An error of ``SQLiteEventStore``: what went wrong, with the event or step it concerns.
///
/// The set of codes may grow, so it is a struct with static codes. An error names ids only: event bodies
/// may hold email addresses, so neither ``description`` nor any field ever carries one (the GRDB
/// connection also keeps statement arguments out of its own errors).
///
/// ```swift
/// do { try await store.finish(eventID: id, result: .done) }
/// catch let error as SQLiteEventStoreError where error.code == .unknownEvent { … }
/// ```
public struct SQLiteEventStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// No event has this id.
        public static let unknownEvent = Code("unknownEvent")
        /// No step has this id.
        public static let unknownStep = Code("unknownStep")
        /// An event with this id is already stored, and none of the new event's keys matched it (a keyless
        /// event ingested twice, or two events given the same id).
        public static let eventIDConflict = Code("eventIDConflict")
        /// A step id is already used by a step of another event.
        public static let stepConflict = Code("stepConflict")
        /// The call itself is unusable (an outcome whose status is `running`).
        public static let invalidArgument = Code("invalidArgument")
        /// A value cannot be written as JSON (a number that is not finite).
        public static let unencodable = Code("unencodable")
        /// A stored row cannot be read back (an unknown status, JSON that does not parse).
        public static let corruptRow = Code("corruptRow")
        /// The database file cannot be opened or set up.
        public static let cannotOpen = Code("cannotOpen")
        /// Too many writes are already waiting for the store (a stalled disk): this one was refused, not
        /// queued, and can be tried again later.
        public static let busy = Code("busy")
        /// The file is an SQLite database of something else (its own tables, no avala-bot schema): it is
        /// left as it is.
        public static let notAStore = Code("notAStore")
        /// Opened read-only, a store whose schema a newer migration must change first.
        public static let outdatedSchema = Code("outdatedSchema")
        /// Another running bot holds the store's lock (``StoreLock``).
        public static let locked = Code("locked")
    }

    public var code: Code
    /// What went wrong, in a sentence; ids only, never an event body.
    public var message: String
    /// `.cannotOpen` because SQLite could not open the file at all (`SQLITE_CANTOPEN`).
    var cantOpen = false
    public var eventID: String?
    public var stepID: String?

    public init(code: Code, message: String, eventID: String? = nil, stepID: String? = nil) {
        self.code = code
        self.message = message
        self.eventID = eventID
        self.stepID = stepID
    }

    public var description: String {
        var text = "SQLiteEventStore \(code): \(message)"
        if let eventID { text += " (event \(eventID))" }
        if let stepID { text += " (step \(stepID))" }
        return text
    }
}
