/// The metrics ``PollLoop`` records, with their `# HELP` text (swift-metrics carries none; `/metrics`
/// adds it). A generic type cannot hold a stored static, hence this one.
public enum PollerMetrics {
    public static let help = [
        "avala_bot_poller_api_calls_total": "Avala API requests sent by each poller, retries and failed cycles included.",
        "avala_bot_poller_cycles_total": "Poll cycles, by poller and result (ok, error).",
        "avala_bot_poller_consecutive_failures":
            "Poll cycles in a row that failed, by poller; 0 after a cycle that worked (bot.poller.failing is raised at 3).",
    ]
}
