import BotEngine
import Metrics
import Prometheus

/// The bot's Prometheus registry and what `/metrics` serves: every swift-metrics counter and timer the
/// modules record (deliveries by outcome, verification failures by reason, ingest latency, events stored
/// by source and outcome, actions by outcome, poller API calls and cycles), plus the store's queue depth
/// read at scrape time.
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
        // NaN when the store cannot be read: a dashboard shows a gap, not the last value or a 0.
        let value = try? await store.queueDepth()
        depth.set(to: value.map(Double.init) ?? .nan)
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
