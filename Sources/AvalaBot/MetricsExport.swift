import BotEngine
import Metrics
import Pollers
import Prometheus
import WebhookListener

/// The bot's Prometheus registry and what `/metrics` serves: every swift-metrics counter and timer the
/// modules record (deliveries by outcome, verification failures by reason, ingest latency, events stored
/// by source and outcome, actions by outcome, poller API calls and cycles), plus the store's queue depth
/// and dead-letter count read at scrape time. Every metric has its `# HELP` line.
struct MetricsExport: Sendable {
    let registry: PrometheusCollectorRegistry

    init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    /// Routes the process's swift-metrics to this registry; once per process (`run` does it).
    func bootstrap() {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    }

    /// The text for one scrape.
    func render(store: any EventStore) async -> String {
        let depth = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "avala_bot",
                metricName: "queue",
                unitName: "depth",
                helpText: "Events stored and not yet processed (pending or running)."
            )
        )
        let dead = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "avala_bot",
                metricName: "dead_letters",
                unitName: "",
                helpText: "Dead-lettered actions waiting to be retried or discarded."
            )
        )
        // NaN when the store cannot be read: a dashboard shows a gap, not the last value or a 0.
        depth.set(to: (try? await store.queueDepth()).map(Double.init) ?? .nan)
        dead.set(to: (try? await store.deadLetterCount()).map(Double.init) ?? .nan)
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return Self.addingHelp(to: String(decoding: buffer, as: UTF8.self))
    }

    /// Each metric's `# HELP` text, declared by the module that records it.
    static let help = WebhookListener.metricsHelp.merging(PollerMetrics.help) { first, _ in first }
        .merging(SQLiteEventStore.metricsHelp) { first, _ in first }
        .merging(Dispatcher.metricsHelp) { first, _ in first }

    /// swift-metrics' counters and timers carry no help text, so the registry emits only their `# TYPE`:
    /// a `# HELP` line goes before each one this export knows. A sample's special value is spelled as the
    /// exposition format writes it (`NaN`, `+Inf`, `-Inf`): the registry writes Swift's `nan` and `inf`,
    /// which strict OpenMetrics parsers refuse.
    static func addingHelp(to scrape: String) -> String {
        var lines: [String] = []
        for line in scrape.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix("#"), let special = specialValues.first(where: { line.hasSuffix(" \($0.key)") }) {
                lines.append(String(line.dropLast(special.key.count)) + special.value)
                continue
            }
            if line.hasPrefix("# TYPE "), let name = line.dropFirst("# TYPE ".count).split(separator: " ").first.map(String.init),
                lines.last?.hasPrefix("# HELP \(name) ") != true, let text = help[name]
            {
                lines.append("# HELP \(name) \(text)")
            }
            lines.append(String(line))
        }
        return lines.joined(separator: "\n")
    }

    private static let specialValues = ["nan": "NaN", "inf": "+Inf", "+inf": "+Inf", "-inf": "-Inf"]
}
