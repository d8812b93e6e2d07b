import BotKit
public import Logging

extension RepeatedFailureLog {
    /// How one kind of failure reads in the log. Metadata: `error`, `<prefix>.failures` and
    /// `<prefix>.failing_since`.
    public struct Wording: Sendable {
        /// The first failure, and each new error (error level).
        public var first: Logger.Message
        /// The same error, as a reminder once per interval (error level).
        public var still: Logger.Message
        /// The same error again within the interval (debug level).
        public var again: Logger.Message
        /// The first success after failures (notice level).
        public var recovered: Logger.Message
        public var prefix: String

        public init(first: Logger.Message, still: Logger.Message, again: Logger.Message, recovered: Logger.Message, prefix: String) {
            self.first = first
            self.still = still
            self.again = again
            self.recovered = recovered
            self.prefix = prefix
        }
    }
}

extension RepeatedFailureLog.Line {
    /// Logs this failure of `error` as `wording` says, at the level its kind calls for.
    public func log(_ error: any Error, as wording: RepeatedFailureLog.Wording, to logger: Logger) {
        switch self {
        case .first:
            logger.error(wording.first, metadata: ["error": "\(error)"])
        case .reminder(let failures, let since):
            logger.error(
                wording.still,
                metadata: [
                    "error": "\(error)", "\(wording.prefix).failures": "\(failures)",
                    "\(wording.prefix).failing_since": "\(Event.timestamp(since))",
                ]
            )
        case .repeated(let failures):
            logger.debug(wording.again, metadata: ["error": "\(error)", "\(wording.prefix).failures": "\(failures)"])
        }
    }
}

extension RepeatedFailureLog.Recovery {
    /// Logs the end of a run of failures as `wording` says.
    public func log(as wording: RepeatedFailureLog.Wording, to logger: Logger) {
        logger.notice(
            wording.recovered,
            metadata: [
                "\(wording.prefix).failures": "\(failures)", "\(wording.prefix).failing_since": "\(Event.timestamp(since))",
            ]
        )
    }
}
