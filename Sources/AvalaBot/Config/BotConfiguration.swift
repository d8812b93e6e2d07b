import AvalaAPI
import BotEngine

/// The whole config file (CONFIG.md): every key with its default. Section types live beside it.
///
/// Decoded by ``ConfigNodeDecoder``: unknown keys are errors, and every error names file, line and path.
/// `rules` and `plugins` are kept as located trees, compiled by the rule set and checked against each
/// plugin's declared keys.
struct BotConfiguration: Decodable, Sendable {
    var api: APISection = .init()
    var listener: ListenerSection?
    var pollers: PollersSection = .init()
    var store: StoreSection = .init()
    var dispatcher: DispatcherSection = .init()
    var plugins: ConfigNode?
    var rules: ConfigNode?
    var log: LogSection = .init()

    enum CodingKeys: String, CodingKey, CaseIterable {
        case api, listener, pollers, store, dispatcher, plugins, rules, log
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        api = try c.decodeIfPresent(APISection.self, forKey: .api) ?? .init()
        listener = try c.decodeIfPresent(ListenerSection.self, forKey: .listener)
        // Only an absent section means no listener; `listener:` with nothing under it is most likely a
        // section whose keys were lost (an indentation slip), and would quietly serve nothing.
        if listener == nil, c.contains(.listener), try c.decodeNil(forKey: .listener) {
            try c.report(
                DecodingError.dataCorrupted(
                    .init(
                        codingPath: c.codingPath + [CodingKeys.listener],
                        debugDescription:
                            "written with no value: give it tls {cert, key} (or plain_http: true), or leave the section out to run without a listener"
                    )
                )
            )
        }
        pollers = try c.decodeIfPresent(PollersSection.self, forKey: .pollers) ?? .init()
        store = try c.decodeIfPresent(StoreSection.self, forKey: .store) ?? .init()
        dispatcher = try c.decodeIfPresent(DispatcherSection.self, forKey: .dispatcher) ?? .init()
        plugins = try c.decodeIfPresent(ConfigNode.self, forKey: .plugins)
        rules = try c.decodeIfPresent(ConfigNode.self, forKey: .rules)
        log = try c.decodeIfPresent(LogSection.self, forKey: .log) ?? .init()
    }
}

/// `api.*`: how the bot talks to Avala.
struct APISection: Decodable, Equatable, Sendable {
    /// Default `$AVALA_BASE_URL`, else `https://api.avala.ai/api/v1`.
    var baseURL: String?
    /// Default `$AVALA_API_KEY`.
    var apiKey: SecretString?
    var requestsPerMinute = 90
    var burst = 20
    var maxRetries = 5
    var timeout = DurationSetting(.seconds(30))
    var maxConcurrency = 4

    enum CodingKeys: String, CodingKey, CaseIterable {
        case baseURL = "base_url"
        case apiKey = "api_key"
        case requestsPerMinute = "requests_per_minute"
        case burst
        case
            maxRetries = "max_retries"
        case timeout
        case maxConcurrency = "max_concurrency"
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        baseURL = try c.decodeIfPresent(String.self, forKey: .baseURL)
        apiKey = try c.decodeIfPresent(String.self, forKey: .apiKey).map { SecretString($0) }
        requestsPerMinute = try c.positive(.requestsPerMinute) ?? requestsPerMinute
        burst = try c.positive(.burst) ?? burst
        maxRetries = try c.nonNegative(.maxRetries) ?? maxRetries
        timeout = try c.positiveDuration(.timeout) ?? timeout
        maxConcurrency = try c.positive(.maxConcurrency) ?? maxConcurrency
    }
}

/// `store.*`: where events, the journal and snapshots live.
struct StoreSection: Decodable, Equatable, Sendable {
    var sqlite = "./data/avala-bot.sqlite"
    var postgres: SecretString?
    var retention = DurationSetting(.seconds(7 * 86_400))
    var keyRetention = DurationSetting(.seconds(30 * 86_400))

    enum CodingKeys: String, CodingKey, CaseIterable {
        case sqlite, postgres, retention
        case keyRetention = "key_retention"
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        sqlite = try c.decodeIfPresent(String.self, forKey: .sqlite) ?? sqlite
        if let problem = Self.sqlitePathProblem(sqlite) {
            try c.report(DecodingError.dataCorrupted(.init(codingPath: c.codingPath + [CodingKeys.sqlite], debugDescription: problem)))
            // Not opened, nor checked as a file: the config is refused.
            sqlite = ""
        }
        postgres = try c.decodeIfPresent(String.self, forKey: .postgres).map { SecretString($0) }
        // Accepted silently, it would leave each replica on its own SQLite file, every one of them
        // polling and acting: the duplicates a shared store exists to prevent.
        if postgres != nil {
            try c.report(
                DecodingError.dataCorrupted(
                    .init(
                        codingPath: c.codingPath + [CodingKeys.postgres],
                        debugDescription: "a shared PostgreSQL store is not supported by this version: use store.sqlite and run one replica"
                    )
                )
            )
        }
        retention = try c.decodeIfPresent(DurationSetting.self, forKey: .retention) ?? retention
        keyRetention = try c.positiveDuration(.keyRetention) ?? keyRetention
    }
}

extension StoreSection {
    /// Why `path` cannot be the store, or nil. SQLite would take an empty name or `:memory:` as a
    /// database that is gone at the next restart (with every queued event, journal and dedup key), and
    /// a `file:` URI as options the bot does not expect.
    static func sqlitePathProblem(_ path: String) -> String? {
        let trimmed = path.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed()
        if trimmed.isEmpty { return "is empty: the store must be a file path (e.g. ./data/avala-bot.sqlite)" }
        if String(trimmed) == ":memory:" {
            return "is :memory:, a database lost at every restart: the store must be a file path (e.g. ./data/avala-bot.sqlite)"
        }
        if String(trimmed).lowercased().hasPrefix("file:") {
            return "is a file: URI: the store must be a file path (e.g. ./data/avala-bot.sqlite), written without file:"
        }
        return nil
    }
}

/// `dispatcher.*`: how actions run.
struct DispatcherSection: Decodable, Equatable, Sendable {
    var concurrency = 8
    var maxAttempts = 8
    var backoff = Backoff()
    var shutdownGrace = DurationSetting(.seconds(20))

    struct Backoff: Decodable, Equatable, Sendable {
        var base = DurationSetting(.seconds(1))
        var max = DurationSetting(.seconds(600))

        enum CodingKeys: String, CodingKey, CaseIterable { case base, max }

        init() {}

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            base = try c.positiveDuration(.base) ?? base
            max = try c.positiveDuration(.max) ?? max
            // Every wait is capped at max: a longer base would make the backoff a fixed wait.
            if base.duration > max.duration {
                try c.report(
                    DecodingError.dataCorrupted(
                        .init(
                            codingPath: c.codingPath + [CodingKeys.base],
                            debugDescription: "\(base) is longer than max \(max): base must not exceed max"
                        )
                    )
                )
            }
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case concurrency
        case maxAttempts = "max_attempts"
        case backoff
        case shutdownGrace = "shutdown_grace"
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        concurrency = try c.positive(.concurrency) ?? concurrency
        maxAttempts = try c.positive(.maxAttempts) ?? maxAttempts
        backoff = try c.decodeIfPresent(Backoff.self, forKey: .backoff) ?? backoff
        shutdownGrace = try c.decodeIfPresent(DurationSetting.self, forKey: .shutdownGrace) ?? shutdownGrace
    }
}

/// `log.*`; the command line's `--log-level` and `--log-format` win.
struct LogSection: Decodable, Equatable, Sendable {
    var level = "info"
    var format = "logfmt"

    enum CodingKeys: String, CodingKey, CaseIterable { case level, format }

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        level = try c.choice(.level, ["trace", "debug", "info", "notice", "warning", "error", "critical"]) ?? level
        format = try c.choice(.format, ["logfmt", "json"]) ?? format
    }
}

extension KeyedDecodingContainer {
    /// A whole number above zero, or nil when absent.
    func positive(_ key: Key) throws -> Int? {
        try collecting {
            guard let value = try decodeIfPresent(Int.self, forKey: key) else { return nil }
            guard value > 0 else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: codingPath + [key], debugDescription: "must be at least 1, found \(value)")
                )
            }
            return value
        }
    }

    /// A duration longer than zero, or nil when absent: for intervals, timeouts and windows, where zero
    /// means a busy loop, a request that always times out, or nothing remembered.
    func positiveDuration(_ key: Key) throws -> DurationSetting? {
        try collecting {
            guard let value = try decodeIfPresent(DurationSetting.self, forKey: key) else { return nil }
            guard value.duration > .zero else {
                throw DecodingError.dataCorrupted(.init(codingPath: codingPath + [key], debugDescription: "must be longer than 0s"))
            }
            return value
        }
    }

    /// A whole number of at least zero, or nil when absent.
    func nonNegative(_ key: Key) throws -> Int? {
        try collecting {
            guard let value = try decodeIfPresent(Int.self, forKey: key) else { return nil }
            guard value >= 0 else {
                throw DecodingError.dataCorrupted(.init(codingPath: codingPath + [key], debugDescription: "must be 0 or more, found \(value)"))
            }
            return value
        }
    }

    /// One of `choices`, or nil when absent.
    func choice(_ key: Key, _ choices: [String]) throws -> String? {
        try collecting {
            guard let value = try decodeIfPresent(String.self, forKey: key) else { return nil }
            // Left unresolved by `check-config --no-env` (or a malformed reference, reported as such): the
            // default stands for the value to come.
            if ConfigReference(value) != nil { return nil }
            if (try? superDecoder(forKey: key) as? NodeDecoder)?.node.isUnresolvedReference == true { return nil }
            guard choices.contains(value) else {
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: codingPath + [key],
                        debugDescription: "'\(value)' is not one of: \(choices.joined(separator: ", "))"
                    )
                )
            }
            return value
        }
    }
}
